import type { CapturedClick } from '../analytics/click.js';
import type { RedirectSource } from './redirect-target.js';

/** Takes the clicks the hot path serves without it waiting on storage (the click buffer). */
export interface ClickRecorder {
  /** With `onWritten`, the recorder calls it once the click is durable (see ClickBuffer.capture). */
  capture(click: CapturedClick, onWritten?: () => void): void;
  /** Clicks captured but not yet stored, so a freshly loaded link still sees them. */
  pending(linkId: string): number;
}

/**
 * A link as every instance shares it (the shared link cache). No click counter, click cap or
 * password hash: a link with a cap needs its live count from the database, and a password hash
 * stays in the database, so such links are never shared (see SharedSlugLookup).
 */
export type SharedLink = Omit<RedirectSource, 'clicks' | 'maxClicks' | 'passwordHash'>;

/**
 * What the shared cache holds for domain+slug: a link, null for a slug known not to exist, or
 * nothing, with the token a write-back must present (it refuses once the key changed since).
 */
export type SharedEntry = { found: true; link: SharedLink | null } | { found: false; token: string };

/**
 * The cache every instance shares (Redis), between each one's in-process cache and the database,
 * so a link one instance loaded costs the others no database read, and unknown slugs asked of any
 * instance are remembered for all. Link changes clear its entries before they are announced to
 * the other instances (see the invalidation bus), never through this port.
 */
export interface SharedLinkCache {
  /** Rejects when the cache cannot answer promptly; the caller then reads the database. */
  lookup(domain: string, slug: string): Promise<SharedEntry>;
  /**
   * Writes back what the database answered after a lookup found nothing. Best effort, never
   * awaited: skipped when the key changed since the lookup that gave `token`, so a load that
   * raced with a change never stores the old link.
   */
  store(domain: string, slug: string, token: string, link: SharedLink | null): void;
}
