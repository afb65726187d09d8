import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { LimitDecision, RateLimiter } from '../../core/auth/ports.js';

/** One process's fixed-window quota (rate-limiter-flexible). Redis-backed limits come with scale-out. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(readonly name: string, readonly limit: number, readonly windowSeconds: number) {
    this.limiter = new RateLimiterMemory({ keyPrefix: name, points: limit, duration: windowSeconds });
  }

  async consume(key: string): Promise<LimitDecision> {
    try {
      return this.decision(await this.limiter.consume(key), true);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return this.decision(rejection, false);
      throw rejection;
    }
  }

  async peek(key: string): Promise<LimitDecision> {
    const state = await this.limiter.get(key);
    if (!state) return { allowed: true, limit: this.limit, remaining: this.limit, resetSeconds: this.windowSeconds };
    return this.decision(state, state.remainingPoints > 0);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  private decision(res: RateLimiterRes, allowed: boolean): LimitDecision {
    return { allowed, limit: this.limit, remaining: Math.max(0, res.remainingPoints), resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
  }
}
