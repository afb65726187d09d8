import type { Link, RedirectType, Rule, Utm, Variant } from '../links/link.js';
import { UTM_KEYS } from '../links/link.js';

/**
 * What the redirect needs of a link, prepared once when it enters the cache so that
 * serving it is string work only: the final destination (UTM applied) is precomputed,
 * and so are the query keys it already has (a visitor's query may add, never replace).
 */
export interface RedirectTarget {
  linkId: string;
  workspaceId: string;
  status: RedirectType;
  url: string;
  location: string;
  /** Response headers for a visit that adds no query: built once, reused by every such redirect. */
  headers: string[];
  /** Parameter names already in the destination; null when forwarding is off. */
  ownKeys: ReadonlySet<string> | null;
  /** Index of '#' in location, or -1: a forwarded query goes before the fragment. */
  hashAt: number;
  expiresAtMs: number;
  expiredUrl: string | null;
  maxClicks: number;
  /** Clicks when loaded plus those served since: maxClicks is enforced from this. */
  clicks: number;
  passwordHash: string | null;
  rules: Rule[];
  variants: Variant[];
  createdAt: Date;
  /** The link's UTM parameters: clicks carry them (by reference) for analytics. */
  utm: Utm;
}

/** The fields of a link a redirect needs: what toRedirectTarget reads, and what a link lookup must supply. */
export type RedirectSource = Pick<Link, 'id' | 'workspaceId' | 'url' | 'redirectType' | 'forwardQuery' | 'expiresAt' | 'expiredUrl'
  | 'maxClicks' | 'clicks' | 'passwordHash' | 'rules' | 'variants' | 'utm' | 'createdAt'>;

export function toRedirectTarget(link: RedirectSource): RedirectTarget {
  const location = withUtm(link.url, link.utm);
  const hashAt = location.indexOf('#');
  return {
    linkId: link.id,
    workspaceId: link.workspaceId,
    status: link.redirectType,
    url: link.url,
    location,
    headers: redirectHeaders(location),
    ownKeys: link.forwardQuery ? new Set(new URL(location).searchParams.keys()) : null,
    hashAt,
    expiresAtMs: link.expiresAt ? link.expiresAt.getTime() : Number.POSITIVE_INFINITY,
    expiredUrl: link.expiredUrl,
    maxClicks: link.maxClicks ?? Number.POSITIVE_INFINITY,
    clicks: link.clicks,
    passwordHash: link.passwordHash,
    rules: link.rules,
    variants: link.variants,
    createdAt: link.createdAt,
    utm: link.utm,
  };
}

/** Appends utm_* parameters the URL lacks, leaving its own query bytes untouched (signed URLs stay valid). */
function withUtm(url: string, utm: Utm): string {
  const present = new URL(url).searchParams;
  let added = '';
  for (const key of UTM_KEYS) {
    const value = utm[key];
    if (value !== undefined && !present.has(`utm_${key}`)) added += `&utm_${key}=${encodeURIComponent(value)}`;
  }
  return added === '' ? url : appendPairs(url, url.indexOf('#'), added.slice(1));
}

/** `pairs` ("a=1&b=2") added to the query of `url`, before its fragment at `hashAt` (-1: none). */
function appendPairs(url: string, hashAt: number, pairs: string): string {
  const base = hashAt === -1 ? url : url.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const joiner = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return base + joiner + pairs + fragment;
}

export const REDIRECT_CACHE_CONTROL = 'private, max-age=0';

/** Flat header list for ServerResponse.writeHead. */
export function redirectHeaders(location: string): string[] {
  return ['Location', location, 'Cache-Control', REDIRECT_CACHE_CONTROL, 'Content-Length', '0'];
}

export function isExhausted(target: RedirectTarget, nowMs: number): boolean {
  return target.expiresAtMs <= nowMs || target.clicks >= target.maxClicks;
}

const SAFE_PAIR = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/;

/**
 * The Location for a visit with query string `query` (without '?'). Pairs whose name
 * the destination already has are dropped; anything not already URL-safe is re-encoded
 * so the header can never carry raw bytes.
 */
export function locationFor(target: RedirectTarget, query: string): string {
  if (target.ownKeys === null || query === '') return target.location;
  let added = '';
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    let name: string;
    try { name = decodeURIComponent(rawName.replace(/\+/g, ' ')); } catch { continue; }
    if (target.ownKeys.has(name)) continue;
    added += '&' + (SAFE_PAIR.test(pair) ? pair : reencode(pair, eq));
  }
  return added === '' ? target.location : appendPairs(target.location, target.hashAt, added.slice(1));
}

function reencode(pair: string, eq: number): string {
  const part = (s: string) => { try { return encodeURIComponent(decodeURIComponent(s.replace(/\+/g, ' '))); } catch { return encodeURIComponent(s); } };
  return eq === -1 ? part(pair) : `${part(pair.slice(0, eq))}=${part(pair.slice(eq + 1))}`;
}
