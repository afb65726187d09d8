/**
 * The hot path's counters: plain integer increments per redirect, read by GET /metrics on
 * scrape, so no metrics library runs per request.
 */
export class RedirectStats {
  /** Served from the in-process cache (found or known missing) / needed a lookup (shared cache, then database). */
  cacheHits = 0;
  cacheMisses = 0;
  /** Outcomes: a redirect (or HEAD) served, unknown slug, expired or used up, password page, inspect page (+), lookup failed, shed under load. */
  redirected = 0;
  notFound = 0;
  expired = 0;
  password = 0;
  inspect = 0;
  failed = 0;
  shed = 0;

  outcomes(): Record<string, number> {
    return {
      redirected: this.redirected, 'not-found': this.notFound, expired: this.expired, password: this.password,
      inspect: this.inspect, failed: this.failed, shed: this.shed,
    };
  }
}
