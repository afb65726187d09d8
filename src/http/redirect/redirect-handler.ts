import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { RESERVED_SEGMENTS } from '../../core/links/slug.js';
import { REDIRECT_CACHE_CONTROL, isExhausted, locationFor, redirectHeaders, type RedirectTarget } from '../../core/redirect/redirect-target.js';
import { RedirectResolver } from '../../core/redirect/redirect-resolver.js';
import type { HostTable } from '../../core/redirect/host-table.js';
import type { Visit } from '../../core/analytics/click.js';
import type { ClientAddress } from './client-address.js';
import { problem } from '../problems.js';
import { RedirectStats } from './redirect-stats.js';
import { expiredPage, inspectPage, notFoundPage, passwordPage, tooManyPage } from './pages.js';
import type { RateLimiter } from '../../core/auth/ports.js';

const SLUG_PATH = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*$/;
const HTML_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': REDIRECT_CACHE_CONTROL, 'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

export interface RedirectHandlerDeps {
  resolver: RedirectResolver;
  baseUrl: URL;
  /** Host header → stored domain, and each domain's not-found redirect. */
  hosts: Pick<HostTable, 'domainFor' | 'notFoundUrl' | 'hasCustomDomains'>;
  log: FastifyBaseLogger;
  clientAddress: ClientAddress;
  /**
   * Hold each counted redirect's response until its click is durable (Redis stream mode), so
   * a process killed mid-load has stored every click its visitors saw served.
   */
  holdUntilDurable?: boolean;
  /** Counters read by GET /metrics. */
  stats?: RedirectStats;
  /** Load shedding: while true, redirects answer 503 overloaded with Retry-After. */
  shedder?: { readonly overloaded: boolean; readonly retryAfterSeconds: number };
  /**
   * SPEC §4: not-found answers per client address (slug enumeration). Spent only on the
   * not-found branch; a served link never touches it. Past it: 429 with Retry-After (no
   * RateLimit headers on this path).
   */
  notFoundLimiter?: RateLimiter;
}

/**
 * The hot path, in front of Fastify: GET/HEAD /{slug} served from the in-process cache
 * with no routing, hooks or per-request logging. Returns false for anything that is not
 * a slug, which then goes to Fastify.
 */
export class RedirectHandler {
  readonly stats: RedirectStats;

  constructor(private readonly deps: RedirectHandlerDeps) {
    this.stats = deps.stats ?? new RedirectStats();
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    let path = q === -1 ? url.slice(1) : url.slice(1, q);
    const inspect = path.endsWith('+');
    if (inspect) path = path.slice(0, -1);
    if (!SLUG_PATH.test(path) || path.length > 190) return false;
    const slash = path.indexOf('/');
    if (RESERVED_SEGMENTS.has((slash === -1 ? path : path.slice(0, slash)).toLowerCase())) return false;

    if (this.deps.shedder?.overloaded) {
      this.stats.shed++;
      this.send(req, res, 503, 'overloaded', 'the server is overloaded; try again shortly', null, { 'Retry-After': String(this.deps.shedder.retryAfterSeconds) });
      return true;
    }
    // Reading req.headers makes Node build the whole header object: skip it when it cannot matter.
    const domain = this.deps.hosts.hasCustomDomains ? this.deps.hosts.domainFor(req.headers.host) : '';
    const key = RedirectResolver.key(domain, path);
    const query = q === -1 ? '' : url.slice(q + 1);
    const cached = this.deps.resolver.cached(key);
    if (cached !== undefined) {
      this.stats.cacheHits++;
      this.respond(req, res, cached, domain, path, query, inspect);
    } else {
      this.stats.cacheMisses++;
      this.deps.resolver.load(domain, path, key).then(
        (target) => this.respond(req, res, target, domain, path, query, inspect),
        (error: unknown) => {
          this.stats.failed++;
          this.deps.log.error({ err: error }, 'redirect lookup failed');
          this.send(req, res, 503, 'unavailable', 'the link store is unreachable; try again shortly', null, { 'Retry-After': '5' });
        },
      );
    }
    return true;
  }

  private respond(req: IncomingMessage, res: ServerResponse, target: RedirectTarget | null, domain: string, slug: string, query: string, inspect: boolean): void {
    if (target === null) {
      this.stats.notFound++;
      const limiter = this.deps.notFoundLimiter;
      if (!limiter) return this.notFound(req, res, domain);
      const ip = this.visit(req, domain, '').ip;
      limiter.consume(ip).then(
        (decision) => decision.allowed
          ? this.notFound(req, res, domain)
          : this.send(req, res, 429, 'quota-exceeded', `at most ${limiter.limit} unknown links per ${limiter.windowSeconds} s from one address`,
            tooManyPage, { 'Retry-After': String(Math.max(1, decision.resetSeconds)) }),
        // Availability first: a limiter that cannot answer never turns a 404 into an error.
        () => this.notFound(req, res, domain),
      );
      return;
    }
    if (inspect) {
      this.stats.inspect++;
      const shortUrl = `${domain === '' ? this.deps.baseUrl.origin : `https://${domain}`}/${slug}`;
      return this.html(req, res, 200, inspectPage(shortUrl, target.url, target.createdAt, target.passwordHash !== null));
    }
    if (isExhausted(target, Date.now())) {
      this.stats.expired++;
      if (target.expiredUrl) return this.redirect(res, 302, target.expiredUrl);
      return this.send(req, res, 410, 'link-expired', 'this link has expired', expiredPage);
    }
    if (target.passwordHash !== null) {
      this.stats.password++;
      return this.html(req, res, 401, passwordPage(slug, false));
    }
    this.stats.redirected++;
    const location = locationFor(target, query);
    const headers = location === target.location ? target.headers : redirectHeaders(location);
    if (req.method !== 'GET') {
      res.writeHead(target.status, headers);
      res.end();
    } else if (this.deps.holdUntilDurable) {
      this.deps.resolver.countClick(target, this.visit(req, domain, query), () => {
        res.writeHead(target.status, headers);
        res.end();
      });
    } else {
      res.writeHead(target.status, headers);
      res.end();
      this.deps.resolver.countClick(target, this.visit(req, domain, query));
    }
  }

  /**
   * The request facts a click keeps. Read from rawHeaders: touching req.headers would make
   * Node build the whole header object, and only three or four headers matter here.
   */
  visit(req: IncomingMessage, domain: string, query: string): Visit {
    const raw = req.rawHeaders;
    let userAgent = '';
    let referer = '';
    let acceptLanguage = '';
    let forwardedFor: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      switch (name.length) {
        case 10: if (name.toLowerCase() === 'user-agent') userAgent = raw[i + 1]!; break;
        case 7: if (name.toLowerCase() === 'referer') referer = raw[i + 1]!; break;
        case 15: {
          const lower = name.toLowerCase();
          if (lower === 'accept-language') acceptLanguage = raw[i + 1]!;
          // Repeated X-Forwarded-For headers are one comma-separated list (RFC 9110 §5.3).
          else if (lower === 'x-forwarded-for') forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`;
          break;
        }
      }
    }
    const ip = this.deps.clientAddress(req.socket.remoteAddress ?? '', forwardedFor);
    return { domain, ip, userAgent, referer, acceptLanguage, query };
  }

  private notFound(req: IncomingMessage, res: ServerResponse, domain: string): void {
    const elsewhere = this.deps.hosts.notFoundUrl(domain);
    if (elsewhere !== null) return this.redirect(res, 302, elsewhere);
    this.send(req, res, 404, 'not-found', 'no link with this slug', notFoundPage);
  }

  private redirect(res: ServerResponse, status: number, location: string): void {
    res.writeHead(status, redirectHeaders(location));
    res.end();
  }

  /** HTML for browsers, problem+json for API clients (Accept: application/json). */
  private send(req: IncomingMessage, res: ServerResponse, status: number, code: 'not-found' | 'link-expired' | 'unavailable' | 'overloaded' | 'quota-exceeded', detail: string,
    htmlPage: (() => string) | null, extra: Record<string, string> = {}): void {
    const wantsJson = htmlPage === null || (req.headers.accept ?? '').includes('json');
    if (!wantsJson) return this.html(req, res, status, htmlPage(), extra);
    const body = JSON.stringify(problem(this.deps.baseUrl.origin, code, detail));
    res.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': REDIRECT_CACHE_CONTROL, ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  html(req: IncomingMessage, res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { ...HTML_HEADERS, 'Content-Length': Buffer.byteLength(body), ...extra });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
}
