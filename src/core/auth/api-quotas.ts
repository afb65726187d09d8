import type { Actor } from './actor.js';
import type { LimitDecision, RateLimiter } from './ports.js';

/** Builds the quota of one size; the composition decides where it lives (memory or Redis). */
export type QuotaFactory = (limit: number) => RateLimiter;

/**
 * SPEC §4's API quota: per API key (its own `rateLimit`, else the default) and, for the
 * dashboard's session requests, per user at the default. One limiter per distinct size.
 */
export class ApiQuotas {
  private readonly bySize = new Map<number, RateLimiter>();

  constructor(private readonly make: QuotaFactory, readonly defaultLimit: number) {}

  async consume(actor: Actor): Promise<{ limiter: RateLimiter; decision: LimitDecision }> {
    const limiter = this.sized(actor.rateLimit ?? this.defaultLimit);
    const key = actor.kind === 'api-key' && actor.apiKeyId !== null ? `key:${actor.apiKeyId}` : `user:${actor.userId}`;
    return { limiter, decision: await limiter.consume(key) };
  }

  private sized(limit: number): RateLimiter {
    let limiter = this.bySize.get(limit);
    if (!limiter) {
      limiter = this.make(limit);
      this.bySize.set(limit, limiter);
    }
    return limiter;
  }
}
