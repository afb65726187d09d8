import { REDIRECT_TYPES, type RedirectType } from '../../core/links/link.js';
import type { SharedLink } from '../../core/redirect/ports.js';

/** The stored value of a slug known not to exist. */
export const MISSING = '-';

/**
 * A shared link as compact JSON: dates as epoch milliseconds, and what most links leave at its
 * default (query forwarding on, no expiry, no rules, variants or UTM) left out.
 */
export function encodeSharedLink(link: SharedLink): string {
  const out: Record<string, unknown> = { id: link.id, ws: link.workspaceId, url: link.url, st: link.redirectType, at: link.createdAt.getTime() };
  if (!link.forwardQuery) out.nq = 1;
  if (link.expiresAt) out.exp = link.expiresAt.getTime();
  if (link.expiredUrl) out.expUrl = link.expiredUrl;
  if (link.rules.length > 0) out.rules = link.rules;
  if (link.variants.length > 0) out.var = link.variants;
  if (Object.keys(link.utm).length > 0) out.utm = link.utm;
  return JSON.stringify(out);
}

/** undefined for anything this version did not write (another version's format, garbage): treated as not cached. */
export function decodeSharedLink(text: string): SharedLink | undefined {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return undefined; }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== 'string' || typeof r.ws !== 'string' || typeof r.url !== 'string' || typeof r.at !== 'number'
    || !REDIRECT_TYPES.includes(r.st as RedirectType)) return undefined;
  return {
    id: r.id, workspaceId: r.ws, url: r.url, redirectType: r.st as RedirectType, createdAt: new Date(r.at),
    forwardQuery: r.nq !== 1,
    expiresAt: typeof r.exp === 'number' ? new Date(r.exp) : null,
    expiredUrl: typeof r.expUrl === 'string' ? r.expUrl : null,
    rules: Array.isArray(r.rules) ? r.rules as SharedLink['rules'] : [],
    variants: Array.isArray(r.var) ? r.var as SharedLink['variants'] : [],
    utm: typeof r.utm === 'object' && r.utm !== null ? r.utm as SharedLink['utm'] : {},
  };
}
