import type { SharedEntry, SharedLink, SharedLinkCache } from './ports.js';
import type { SlugLookup } from './redirect-resolver.js';
import type { RedirectSource } from './redirect-target.js';

/**
 * The second cache level of link resolution: an in-process miss asks the cache every instance
 * shares, then the database, and writes the answer back for the others, unknown slugs included.
 * A shared cache that cannot answer is skipped, never an error: redirects then read the database.
 */
export class SharedSlugLookup implements SlugLookup {
  /** Lookups answered by the shared cache (a link or a known-unknown slug), not found there, or failed. Read by GET /metrics. */
  hits = 0;
  misses = 0;
  errors = 0;

  constructor(private readonly shared: SharedLinkCache, private readonly database: SlugLookup) {}

  async findBySlug(domain: string, slug: string): Promise<RedirectSource | null> {
    let entry: SharedEntry;
    try {
      entry = await this.shared.lookup(domain, slug);
    } catch {
      this.errors++;
      return this.database.findBySlug(domain, slug);
    }
    if (entry.found) {
      this.hits++;
      return entry.link && { ...entry.link, clicks: 0, maxClicks: null, passwordHash: null };
    }
    this.misses++;
    const link = await this.database.findBySlug(domain, slug);
    if (link === null) this.shared.store(domain, slug, entry.token, null);
    else if (shareable(link)) this.shared.store(domain, slug, entry.token, toShared(link));
    return link;
  }
}

/**
 * A click cap needs the live count (the database's plus this instance's), and a password hash
 * should not leave the database (a Redis may be shared by deployments): such links are read
 * from the database by each instance, as without a shared cache.
 */
function shareable(link: RedirectSource): boolean {
  return link.maxClicks === null && link.passwordHash === null;
}

/** Only what the redirect needs: a Link carries more (title, tags, …), which must not reach the cache. */
function toShared(link: RedirectSource): SharedLink {
  return {
    id: link.id, workspaceId: link.workspaceId, url: link.url, redirectType: link.redirectType, forwardQuery: link.forwardQuery,
    expiresAt: link.expiresAt, expiredUrl: link.expiredUrl, rules: link.rules, variants: link.variants, utm: link.utm, createdAt: link.createdAt,
  };
}
