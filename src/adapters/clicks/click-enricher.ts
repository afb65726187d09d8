import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { isIP, isIPv4 } from 'node:net';
import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import UAParser from 'ua-parser-js';
import type { CapturedClick, ClickEnricher, ClickEvent } from '../../core/analytics/click.js';
import type { Utm, UTM_KEYS } from '../../core/links/link.js';

/** Header-derived values are bounded so a hostile client cannot bloat storage. */
const UA_MAX = 512;
const VALUE_MAX = 255;
const REFERRER_MAX = 1024;
/** Longest textual IPv6 with a zone id is well under this; anything longer is junk. */
const IP_MAX = 64;
/** Only the head of Accept-Language is read; real ones are < 100 chars. */
const ACCEPT_LANGUAGE_MAX = 512;
/** Longer referrers are mostly one-off (search pages, tracking params) and would bloat the cache. */
const CACHED_REFERRER_MAX = 512;

// Compiled once: enrichment runs per click at ingest.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;
/** The URL parser skips leading C0 controls and spaces, so the scheme check does too. */
const HTTP_URL = /^[\u0000-\u0020]*https?:/i;
const LANGUAGE_SUBTAG = /^[a-z]{2,3}$/i;
const COUNTRY_CODE = /^[A-Z]{2}$/;
const DEVICE_TYPES: ReadonlySet<string> = new Set(['mobile', 'tablet', 'console', 'smarttv', 'wearable', 'embedded']);
const MAPPED_IPV4_PREFIXES = ['::ffff:', '0:0:0:0:0:ffff:'];

type UtmKey = (typeof UTM_KEYS)[number];
const UTM_PARAMS: Readonly<Record<UtmKey, string>> = {
  source: 'utm_source', medium: 'utm_medium', campaign: 'utm_campaign', term: 'utm_term', content: 'utm_content',
};

interface UaInfo {
  device: string | null;
  browser: string | null;
  os: string | null;
  bot: boolean;
}
/**
 * No User-Agent at all: every browser sends one, so this is a script or a bare HTTP client
 * (even curl sends "curl/x"); counting it as a bot keeps such traffic out of human stats.
 * Device stays null rather than 'bot': there is nothing to tell what it runs on.
 */
const NO_UA: UaInfo = Object.freeze({ device: null, browser: null, os: null, bot: true });

interface ReferrerInfo {
  referrer: string;
  host: string;
}

/** One-shot hashing (Node >= 20.12) skips building a Hash object; older 20.x releases build one. */
const sha256Hex: (data: string) => string = typeof crypto.hash === 'function'
  ? (data) => crypto.hash('sha256', data, 'hex')
  : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** The part of geoip-country (CommonJS, untyped) used here. */
interface GeoIpCountry {
  /** An address as text, or an IPv4 address as its 32-bit number (no parsing in the library). */
  lookup(ip: string | number): { country?: unknown } | null;
}
let geoip: GeoIpCountry | undefined;

/**
 * geoip-country reads its whole database (~18 MB RSS) when first required, so it is
 * loaded on the first lookup only: API-only processes never enrich clicks.
 */
function geoIp(): GeoIpCountry {
  geoip ??= createRequire(import.meta.url)('geoip-country') as GeoIpCountry;
  return geoip;
}

export interface ClickEnricherOptions {
  /** Parsed User-Agents kept (few thousand distinct UAs cover nearly all traffic). */
  maxUserAgents?: number;
  /** Parsed referrers kept (a link's traffic comes from few pages). */
  maxReferrers?: number;
  /** Accept-Language headers kept with their language. */
  maxLanguages?: number;
}

export class DefaultClickEnricher implements ClickEnricher {
  private readonly userAgents: LRUCache<string, UaInfo>;
  /** false marks a referrer that is not an absolute http(s) URL. */
  private readonly referrers: LRUCache<string, ReferrerInfo | false>;
  /** Accept-Language headers and their language, '' for none: browsers send few distinct ones. */
  private readonly languages: LRUCache<string, string>;
  /** The last salt seen and its key prefix: a batch's clicks share a day's salt. */
  private saltKey: { salt: Uint8Array; prefix: string } | undefined;

  constructor(options: ClickEnricherOptions = {}) {
    this.userAgents = new LRUCache({ max: options.maxUserAgents ?? 10_000 });
    this.referrers = new LRUCache({ max: options.maxReferrers ?? 5_000 });
    this.languages = new LRUCache({ max: options.maxLanguages ?? 2_000 });
  }

  enrich(click: CapturedClick, salt: Uint8Array): ClickEvent {
    // Long UAs are cut before parsing, caching and hashing alike.
    const ua = click.userAgent.length > UA_MAX ? click.userAgent.slice(0, UA_MAX) : click.userAgent;
    const agent = this.userAgent(ua);
    const referrer = this.referrer(click.referer);
    const visit = visitParams(click.query);
    const linkUtm = click.linkUtm;
    return {
      id: click.id,
      at: new Date(click.at),
      workspaceId: click.workspaceId,
      linkId: click.linkId,
      domain: click.domain,
      referrer: referrer === null ? null : referrer.referrer,
      referrerHost: referrer === null ? null : referrer.host,
      country: click.ip.length > IP_MAX ? null : lookupCountry(click.ip),
      device: agent.device,
      browser: agent.browser,
      os: agent.os,
      language: this.language(click.acceptLanguage),
      utmSource: utmValue(visit, linkUtm, 'source'),
      utmMedium: utmValue(visit, linkUtm, 'medium'),
      utmCampaign: utmValue(visit, linkUtm, 'campaign'),
      utmTerm: utmValue(visit, linkUtm, 'term'),
      utmContent: utmValue(visit, linkUtm, 'content'),
      bot: agent.bot,
      visitorId: this.visitorId(click.ip, ua, salt),
    };
  }

  private userAgent(ua: string): UaInfo {
    if (ua.length === 0) return NO_UA;
    let info = this.userAgents.get(ua);
    if (info === undefined) {
      info = parseUserAgent(ua);
      this.userAgents.set(ua, info);
    }
    return info;
  }

  private language(header: string): string | null {
    if (header.length === 0) return null;
    // Long headers are rare and would bloat the cache; each split allocates per entry.
    if (header.length > ACCEPT_LANGUAGE_MAX) return languageOf(header);
    let language = this.languages.get(header);
    if (language === undefined) {
      language = languageOf(header) ?? '';
      this.languages.set(header, language);
    }
    return language === '' ? null : language;
  }

  private referrer(header: string): ReferrerInfo | null {
    // Most clicks carry no Referer (apps, privacy settings): no parsing, no cache traffic.
    if (header.length === 0) return null;
    if (header.length > CACHED_REFERRER_MAX) return parseReferrer(header);
    let info = this.referrers.get(header);
    if (info === undefined) {
      info = parseReferrer(header) ?? false;
      this.referrers.set(header, info);
    }
    return info === false ? null : info;
  }

  /**
   * SHA-256(hex(salt) + '\n' + ip + '\n' + ua), first 128 bits as hex: stable for one visitor
   * within one salt period, unlinkable across periods, and not reversible to the IP without
   * the salt (32 secret random bytes). A secret prefix is a sound key here because only half
   * of the digest is kept: SHA-256's length extension needs the whole digest, and the id
   * authenticates nothing anyway. It replaced HMAC-SHA256 (session 13): one one-shot hash
   * costs ~0.7 µs against the HMAC object's ~2.5 µs, the largest cost of enriching a click.
   */
  private visitorId(ip: string, ua: string, salt: Uint8Array): string {
    // An unkeyed hash of an IPv4 address can be reversed by trying all 2^32 of them.
    if (salt.length === 0) throw new RangeError('visitor id salt must not be empty');
    const address = ip.length > IP_MAX ? ip.slice(0, IP_MAX) : ip;
    if (this.saltKey?.salt !== salt) this.saltKey = { salt, prefix: `${Buffer.from(salt.buffer, salt.byteOffset, salt.length).toString('hex')}\n` };
    return sha256Hex(`${this.saltKey.prefix}${address}\n${ua}`).slice(0, 32);
  }
}

function parseUserAgent(raw: string): UaInfo {
  const ua = clean(raw, UA_MAX);
  if (ua === '') return NO_UA;
  const result = new UAParser(ua).getResult();
  const browser = cleanOrNull(result.browser.name);
  const os = cleanOrNull(result.os.name);
  if (isbot(ua)) return { device: 'bot', browser, os, bot: true };
  const type = result.device.type;
  // ua-parser leaves desktops untyped; a recognised browser without a type is a desktop.
  const device = type !== undefined ? (DEVICE_TYPES.has(type) ? type : null) : browser !== null ? 'desktop' : null;
  return { device, browser, os, bot: false };
}

/**
 * Upper-case alpha-2 country of an IPv4/IPv6 address; null for private, reserved or invalid ones.
 * Not cached: at tens of thousands of clicks a second a cache of addresses turns over within a
 * second, so nearly every lookup missed it and paid its bookkeeping on top (session 13: the
 * lookup, a binary search over numbers, costs less than a cache miss did).
 */
export function lookupCountry(ip: string): string | null {
  // Plain IPv4, nearly all traffic, goes straight to the database as a number.
  let v4 = ipv4Number(ip);
  if (v4 === -1) {
    const address = normalizeIp(ip);
    if (address === null) return null;
    v4 = ipv4Number(address);
    if (v4 === -1) return countryCode(geoIp().lookup(address));
  }
  return countryCode(geoIp().lookup(v4));
}

/** GeoLite2 has no private, loopback or link-local ranges, so those come back without a country. */
function countryCode(found: { country?: unknown } | null): string | null {
  const code = found?.country;
  return typeof code === 'string' && COUNTRY_CODE.test(code) ? code : null;
}

/** A lookup-ready address: zone id dropped, IPv4-mapped IPv6 turned into plain IPv4. */
function normalizeIp(raw: string): string | null {
  const zone = raw.indexOf('%');
  const ip = zone === -1 ? raw : raw.slice(0, zone);
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return null;
  const lower = ip.toLowerCase();
  for (const prefix of MAPPED_IPV4_PREFIXES) {
    if (lower.startsWith(prefix)) return mappedIPv4(lower.slice(prefix.length)) ?? lower;
  }
  return lower;
}

/**
 * A dotted-quad IPv4 address as its unsigned 32-bit number; -1 for anything else, including
 * octets with a leading zero, which net.isIPv4 rejects too. The library's own parsing (a regex
 * split, four parseInts) was a tenth of an uncached lookup.
 */
export function ipv4Number(address: string): number {
  let value = 0;
  let octet = -1;
  let dots = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (octet === 0) return -1;
      octet = octet === -1 ? c - 0x30 : octet * 10 + (c - 0x30);
      if (octet > 255) return -1;
    } else if (c === 0x2e && octet !== -1 && dots < 3) {
      value = value * 256 + octet;
      octet = -1;
      dots++;
    } else {
      return -1;
    }
  }
  return dots === 3 && octet !== -1 ? value * 256 + octet : -1;
}

/** The IPv4 in the tail of ::ffff:a.b.c.d or ::ffff:hhhh:hhhh (geoip-country only knows the former). */
function mappedIPv4(tail: string): string | null {
  if (isIPv4(tail)) return tail;
  const colon = tail.indexOf(':');
  if (colon === -1 || tail.indexOf(':', colon + 1) !== -1) return null;
  const high = Number.parseInt(tail.slice(0, colon), 16);
  const low = Number.parseInt(tail.slice(colon + 1), 16);
  if (!(high >= 0 && high <= 0xffff && low >= 0 && low <= 0xffff)) return null;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** An absolute http(s) Referer, normalised by the URL parser; anything else is no referrer. */
function parseReferrer(header: string): ReferrerInfo | null {
  if (!HTTP_URL.test(header)) return null;
  let url: URL;
  try {
    // Twice the stored bound is plenty to keep the host intact before truncation.
    url = new URL(header.length > REFERRER_MAX * 2 ? header.slice(0, REFERRER_MAX * 2) : header);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return null;
  // Browsers never send credentials or fragments; a forged Referer must not smuggle them into storage.
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
  }
  url.hash = '';
  // The serialised URL is ASCII (punycode host, percent-encoded rest): no control chars left.
  const href = url.href;
  const host = url.hostname.startsWith('www.') ? url.hostname.slice(4) : url.hostname;
  return { referrer: href.length > REFERRER_MAX ? href.slice(0, REFERRER_MAX) : href, host: truncate(host, VALUE_MAX) };
}

/**
 * Primary subtag of the preferred Accept-Language entry: highest q wins, the first one on ties;
 * q=0 means "not acceptable". Entries that are not a 2–3 letter language (`*`, junk) are skipped.
 */
function languageOf(header: string): string | null {
  if (header.length === 0) return null;
  const head = header.length > ACCEPT_LANGUAGE_MAX ? header.slice(0, ACCEPT_LANGUAGE_MAX) : header;
  let best: string | null = null;
  let bestQ = 0;
  for (const entry of head.split(',')) {
    const semicolon = entry.indexOf(';');
    const q = semicolon === -1 ? 1 : qValue(entry.slice(semicolon + 1));
    if (q <= bestQ) continue;
    const tag = (semicolon === -1 ? entry : entry.slice(0, semicolon)).trim();
    let end = tag.indexOf('-');
    if (end === -1) end = tag.indexOf('_'); // some clients send en_US
    const primary = end === -1 ? tag : tag.slice(0, end);
    if (!LANGUAGE_SUBTAG.test(primary)) continue;
    best = primary.toLowerCase();
    bestQ = q;
    if (q === 1) break; // nothing can beat it
  }
  return best;
}

/** The q parameter of an Accept-Language entry (1 when absent, 0 when malformed). */
function qValue(params: string): number {
  for (const param of params.split(';')) {
    const p = param.trim();
    if (p.length < 2 || (p[0] !== 'q' && p[0] !== 'Q') || p[1] !== '=') continue;
    const q = p.length === 2 ? Number.NaN : Number(p.slice(2));
    return q >= 0 && q <= 1 ? q : 0;
  }
  return 1;
}

/**
 * The visit's query parameters, when they may hold a utm_* key. Keys are matched literally,
 * so a query without "utm" (the common case: none, or only click ids) is not parsed at all.
 */
function visitParams(query: string): URLSearchParams | null {
  return query.length === 0 || !query.includes('utm') ? null : new URLSearchParams(query);
}

/** The visit's utm_<key> if it has a usable one, else the link's; null when neither has. */
function utmValue(visit: URLSearchParams | null, linkUtm: Utm, key: UtmKey): string | null {
  const fromVisit = visit === null ? null : cleanOrNull(visit.get(UTM_PARAMS[key]));
  return fromVisit ?? cleanOrNull(linkUtm[key]);
}

function cleanOrNull(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const cleaned = clean(value, VALUE_MAX);
  return cleaned === '' ? null : cleaned;
}

/** Control characters (C0, DEL, C1) removed, trimmed, at most `max` UTF-16 units. */
function clean(value: string, max: number): string {
  // Cutting first bounds the work on huge values; the result can only get shorter.
  return truncate(value, max).replace(CONTROL_CHARS, '').trim();
}

/** At most `max` UTF-16 units, without leaving half a surrogate pair at the end. */
function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const last = value.charCodeAt(max - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}
