import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitDecision, RateLimiter } from '../../core/auth/ports.js';

/**
 * The limits' connection: commands fail at once while Redis is down (no offline queue, no
 * retries), so a request never waits on a reconnect; the limiter's insurance answers instead.
 */
export function openLimitsConnection(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000 });
  redis.on('error', () => {}); // reconnects by itself; failures surface on the commands and fall back
  return redis;
}

/**
 * A fixed-window quota shared by every instance on one Redis (rate-limiter-flexible's atomic
 * INCR + PEXPIRE), so one key's requests spread over several instances are admitted exactly up
 * to its limit. While Redis is unreachable the insurance limiter (in memory, per instance)
 * decides: limits loosen to per-instance for that time and requests keep being served.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterRedis;
  private readonly insurance: RateLimiterMemory;

  /** keyPrefix: e.g. "curt:limit:api"; the caller's key follows after a colon. */
  constructor(redis: Redis, readonly name: string, readonly limit: number, readonly windowSeconds: number, keyPrefix: string) {
    this.insurance = new RateLimiterMemory({ keyPrefix, points: limit, duration: windowSeconds });
    this.limiter = new RateLimiterRedis({
      storeClient: redis, keyPrefix, points: limit, duration: windowSeconds,
      rejectIfRedisNotReady: true, insuranceLimiter: this.insurance,
    });
  }

  async consume(key: string): Promise<LimitDecision> {
    try {
      return this.decision(await this.limiter.consume(key), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.decision(rejection, false);
      // Neither Redis nor the insurance answered (should not happen): admit rather than fail.
      return { allowed: true, limit: this.limit, remaining: this.limit - 1, resetSeconds: this.windowSeconds };
    }
  }

  async peek(key: string): Promise<LimitDecision> {
    let state: RateLimiterRes | null;
    try {
      state = await this.limiter.get(key);
    } catch {
      state = await this.insurance.get(key);
    }
    if (!state) return { allowed: true, limit: this.limit, remaining: this.limit, resetSeconds: this.windowSeconds };
    return this.decision(state, state.remainingPoints > 0);
  }

  async reset(key: string): Promise<void> {
    await this.insurance.delete(key);
    await this.limiter.delete(key).catch(() => false);
  }

  private decision(res: RateLimiterRes, allowed: boolean): LimitDecision {
    return { allowed, limit: this.limit, remaining: Math.max(0, res.remainingPoints), resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }
}
