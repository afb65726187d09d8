import type { RateLimiter } from '../core/auth/ports.js';
import { ApiQuotas } from '../core/auth/api-quotas.js';
import { MemoryRateLimiter } from '../adapters/limits/rate-limiter.memory.js';
import type { Config } from './config.js';

/** SPEC §4's defaults, per minute. */
export const DEFAULT_LIMITS = { apiPerMinute: 600, authPerMinute: 10, notFoundPerMinute: 60 } as const;

export type LimitsOptions = Partial<Record<keyof typeof DEFAULT_LIMITS, number>>;

export interface Limits {
  /** Per API key (its own rateLimit or the default), per user for session requests. */
  api: ApiQuotas;
  /** Per client address on /api/v1/auth/*. */
  auth: RateLimiter;
  /** Per client address, not-found answers of the redirect path. */
  notFound: RateLimiter;
  /** Per link and address, password attempts on protected links. */
  linkPassword: RateLimiter;
  /** Whether the limits are shared through Redis (else per instance). */
  shared: boolean;
  close(): Promise<void>;
}

/**
 * With REDIS_URL the limits live in Redis (exact across instances; each falls back to an
 * in-memory limiter while Redis is unreachable); without it, in this process's memory.
 */
export async function buildLimits(config: Config, options: LimitsOptions = {}): Promise<Limits> {
  const per = { ...DEFAULT_LIMITS, ...options };
  let make: (name: string, limit: number, windowSeconds: number) => RateLimiter = (name, limit, windowSeconds) => new MemoryRateLimiter(name, limit, windowSeconds);
  let close = async () => {};
  if (config.redisUrl) {
    // Loaded only with Redis configured, like the click stream.
    const { RedisRateLimiter, openLimitsConnection } = await import('../adapters/limits/rate-limiter.redis.js');
    const redis = openLimitsConnection(config.redisUrl);
    // The size is part of the key: a quota's count never mixes with another size's.
    make = (name, limit, windowSeconds) => new RedisRateLimiter(redis, name, limit, windowSeconds, `${config.redisPrefix}limit:${name}:${limit}`);
    close = async () => { redis.disconnect(); };
  }
  return {
    api: new ApiQuotas((limit) => make('api', limit, 60), per.apiPerMinute),
    auth: make('auth', per.authPerMinute, 60),
    notFound: make('not-found', per.notFoundPerMinute, 60),
    linkPassword: make('link-password', 10, 60),
    shared: config.redisUrl !== null,
    close,
  };
}
