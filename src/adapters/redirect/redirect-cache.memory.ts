import { LRUCache } from 'lru-cache';
import type { RedirectInvalidation } from '../../core/links/ports.js';
import type { RedirectTarget } from '../../core/redirect/redirect-target.js';
import { RedirectResolver } from '../../core/redirect/redirect-resolver.js';

/** null marks a slug known not to exist (negative entry). */
export type CachedTarget = RedirectTarget | null;

export interface RedirectCacheOptions {
  maxLinks?: number;
  maxMisses?: number;
  /** Unknown slugs are re-checked after this long, in case another process created them. */
  missTtlMs?: number;
}

/**
 * In-process cache for the hot path. Known links stay until evicted or invalidated;
 * unknown slugs are remembered in a separate, smaller LRU with a TTL, so a flood of
 * random slugs cannot evict real links.
 */
export class MemoryRedirectCache implements RedirectInvalidation {
  private readonly hits: LRUCache<string, RedirectTarget>;
  private readonly misses: LRUCache<string, true>;

  constructor(options: RedirectCacheOptions = {}) {
    this.hits = new LRUCache({ max: options.maxLinks ?? 100_000 });
    this.misses = new LRUCache({ max: options.maxMisses ?? 20_000, ttl: options.missTtlMs ?? 30_000 });
  }

  /** undefined: not cached; null: known missing. */
  get(key: string): CachedTarget | undefined {
    const hit = this.hits.get(key);
    if (hit !== undefined) return hit;
    return this.misses.get(key) ? null : undefined;
  }

  set(key: string, target: CachedTarget): void {
    if (target === null) this.misses.set(key, true);
    else this.hits.set(key, target);
  }

  /** Forgets everything (after missed invalidations, e.g. a Redis outage). */
  clear(): void {
    this.hits.clear();
    this.misses.clear();
  }

  invalidate(domain: string, slug: string): void {
    const key = RedirectResolver.key(domain, slug);
    this.hits.delete(key);
    this.misses.delete(key);
  }
}
