import type { Utm } from '../links/link.js';

/** What a redirect's request says about the visit; the HTTP layer fills it in. */
export interface Visit {
  /** '' is the instance's default domain. */
  domain: string;
  /** Client address as decided by CURT_TRUST_PROXY. */
  ip: string;
  userAgent: string;
  referer: string;
  acceptLanguage: string;
  /** The visit's own query string (without '?'); its utm_* win over the link's. */
  query: string;
}

/**
 * What the redirect hot path captures of a visit: raw request facts only, no parsing.
 * Enrichment (UA, GeoIP, bot flag, visitor id) happens later, in batches, at ingest.
 * The client address lives only in memory (and, with Redis, in the stream) until then.
 */
export interface CapturedClick extends Visit {
  /** Stable event id (UUID v7-like, time-ordered): ingest is idempotent on it. */
  id: string;
  /** Epoch milliseconds when the redirect was served. */
  at: number;
  workspaceId: string;
  linkId: string;
  /** The link's configured UTM parameters (shared reference, never copied). */
  linkUtm: Utm;
}

/** A click as stored and published: the SPEC §3 click event. Unknown values are null. */
export interface ClickEvent {
  id: string;
  at: Date;
  workspaceId: string;
  linkId: string;
  domain: string;
  referrer: string | null;
  referrerHost: string | null;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string | null;
  /** desktop | mobile | tablet | console | smarttv | wearable | embedded | bot; null for an empty UA (which counts as a bot). */
  device: string | null;
  browser: string | null;
  os: string | null;
  /** Primary language subtag of the highest-q Accept-Language entry, lower case ("en"). */
  language: string | null;
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  bot: boolean;
  /** Hex of a keyed hash of IP + UA under the day's salt (rotated daily); never the IP. */
  visitorId: string;
}

/** Turns captured clicks into click events. Pure CPU work; the day's salt (non-empty, 16+ bytes) is given. */
export interface ClickEnricher {
  enrich(click: CapturedClick, salt: Uint8Array): ClickEvent;
}
