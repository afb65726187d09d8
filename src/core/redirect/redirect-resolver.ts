import { newClickId } from '../ids.js';
import type { Visit } from '../analytics/click.js';
import type { ClickRecorder } from './ports.js';
import { toRedirectTarget, type RedirectSource, type RedirectTarget } from './redirect-target.js';

/** The hot path's view of a cache: undefined is "not cached", null is "known missing". */
export interface RedirectCache {
  get(key: string): RedirectTarget | null | undefined;
  set(key: string, target: RedirectTarget | null): void;
}

/** The database (a LinkRepository), or the shared cache in front of it (SharedSlugLookup). */
export interface SlugLookup {
  findBySlug(domain: string, slug: string): Promise<RedirectSource | null>;
}

/**
 * Finds the target for domain+slug: from the cache synchronously when it can, else one
 * lookup (shared cache, then database) shared by concurrent requests for the same key. A load that raced with
 * an invalidation is served but not cached, so the cache never keeps a stale link.
 */
export class RedirectResolver {
  private readonly loading = new Map<string, Promise<RedirectTarget | null>>();
  private epoch = 0;

  constructor(private readonly cache: RedirectCache, private readonly links: SlugLookup, private readonly clicks: ClickRecorder) {}

  /** Default-domain keys are the bare slug (no string built per request); slugs hold no '.', hosts do. */
  static key(domain: string, slug: string): string {
    return domain === '' ? slug : `${domain}/${slug}`;
  }

  cached(key: string): RedirectTarget | null | undefined {
    return this.cache.get(key);
  }

  load(domain: string, slug: string, key = RedirectResolver.key(domain, slug)): Promise<RedirectTarget | null> {
    let pending = this.loading.get(key);
    if (!pending) {
      const started = this.epoch;
      pending = this.links.findBySlug(domain, slug).then((link) => {
        const target = link ? toRedirectTarget(link) : null;
        if (target) target.clicks += this.clicks.pending(target.linkId);
        if (this.epoch === started) this.cache.set(key, target);
        return target;
      }).finally(() => { if (this.loading.get(key) === pending) this.loading.delete(key); });
      this.loading.set(key, pending);
    }
    return pending;
  }

  /**
   * Call after the cache entry was dropped: loads in flight neither re-insert old data
   * nor serve it to requests that arrive from now on (those start a fresh read).
   */
  invalidated(): void {
    this.epoch++;
    this.loading.clear();
  }

  /** One served redirect: counted on the cached target at once (maxClicks), captured for analytics. */
  countClick(target: RedirectTarget, visit: Visit, onWritten?: () => void): void {
    target.clicks++;
    const at = Date.now();
    // Spelled out, not `{ ...visit, id, … }`: on Node 20 a spread followed by more properties
    // took ~10 µs per object (V8 slow path), the largest single cost of a counted redirect.
    this.clicks.capture({
      id: newClickId(at), at, workspaceId: target.workspaceId, linkId: target.linkId, linkUtm: target.utm,
      domain: visit.domain, ip: visit.ip, userAgent: visit.userAgent, referer: visit.referer, acceptLanguage: visit.acceptLanguage, query: visit.query,
    }, onWritten);
  }
}
