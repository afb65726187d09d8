import type { FieldError } from '../errors.js';
import { REDIRECT_TYPES, UTM_KEYS, type LinkInput, type RedirectType, type Rule, type Utm, type Variant } from './link.js';
import { slugProblem } from './slug.js';

export const LIMITS = {
  url: 8192, title: 500, description: 2000, tags: 25, tag: 64, password: 128,
  rules: 50, variants: 10, utmValue: 500, conditionValues: 50,
} as const;

/** Normalised, validated link fields; absent means "not given". */
export interface LinkChanges {
  url?: string;
  domain?: string;
  slug?: string;
  title?: string | null;
  description?: string | null;
  tags?: string[];
  redirectType?: RedirectType;
  forwardQuery?: boolean;
  expiresAt?: Date | null;
  expiredUrl?: string | null;
  maxClicks?: number | null;
  password?: string | null;
  rules?: Rule[];
  variants?: Variant[];
  utm?: Utm;
  archived?: boolean;
}

export interface Checked {
  changes: LinkChanges;
  errors: FieldError[];
  /** Every destination URL given, by pointer, for the own-host (redirect loop) check. */
  destinations: Array<{ pointer: string; url: URL }>;
}

const has = (input: object, key: string) => Object.prototype.hasOwnProperty.call(input, key) && (input as Record<string, unknown>)[key] !== undefined;

/** Shape and content checks that need no I/O. Unknown keys (id, clicks, workspaceId…) are ignored. */
export function checkLinkInput(input: LinkInput, mode: 'create' | 'update'): Checked {
  const errors: FieldError[] = [];
  const destinations: Checked['destinations'] = [];
  const changes: LinkChanges = {};
  const fail = (pointer: string, detail: string) => { errors.push({ pointer, detail }); };

  const destination = (value: unknown, pointer: string): string | undefined => {
    if (typeof value !== 'string') return fail(pointer, 'must be a string'), undefined;
    const raw = value.trim();
    if (raw.length === 0) return fail(pointer, 'must not be empty'), undefined;
    if (raw.length > LIMITS.url) return fail(pointer, `must be at most ${LIMITS.url} characters`), undefined;
    let url: URL;
    try { url = new URL(raw); } catch { return fail(pointer, 'must be an absolute URL such as https://example.com/page'), undefined; }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(pointer, `must use http or https, not ${url.protocol.slice(0, -1)}`), undefined;
    if (!url.hostname) return fail(pointer, 'must name a host'), undefined;
    // Percent-encoding can grow the stored form well past the input: limit what is stored.
    if (url.href.length > LIMITS.url) return fail(pointer, `must be at most ${LIMITS.url} characters once URL-encoded`), undefined;
    destinations.push({ pointer, url });
    return url.href;
  };
  const text = (key: 'title' | 'description', max: number) => {
    if (!has(input, key)) return;
    const value = input[key];
    if (value === null) { changes[key] = null; return; }
    if (typeof value !== 'string') return fail(`/${key}`, 'must be a string or null');
    if (value.length > max) return fail(`/${key}`, `must be at most ${max} characters`);
    changes[key] = value.trim() === '' ? null : value;
  };

  if (has(input, 'url')) {
    const url = destination(input.url, '/url');
    if (url) changes.url = url;
  } else if (mode === 'create') fail('/url', 'is required');

  if (has(input, 'domain')) {
    if (typeof input.domain !== 'string' || input.domain.length > 253) fail('/domain', 'must be a host name');
    else changes.domain = input.domain.trim().toLowerCase();
  }
  if (has(input, 'slug')) {
    if (typeof input.slug !== 'string') fail('/slug', 'must be a string');
    else {
      const problem = slugProblem(input.slug);
      if (problem) fail('/slug', problem);
      else changes.slug = input.slug;
    }
  }
  text('title', LIMITS.title);
  text('description', LIMITS.description);

  if (has(input, 'tags')) {
    if (!Array.isArray(input.tags)) fail('/tags', 'must be an array of strings');
    else {
      const tags = new Set<string>();
      input.tags.forEach((tag, i) => {
        if (typeof tag !== 'string' || tag.trim() === '' || tag.trim().length > LIMITS.tag) fail(`/tags/${i}`, `must be 1 to ${LIMITS.tag} characters`);
        else tags.add(tag.trim());
      });
      if (tags.size > LIMITS.tags) fail('/tags', `at most ${LIMITS.tags} tags`);
      changes.tags = [...tags];
    }
  }
  if (has(input, 'redirectType')) {
    if (!(REDIRECT_TYPES as readonly unknown[]).includes(input.redirectType)) fail('/redirectType', 'must be 301, 302, 307 or 308');
    else changes.redirectType = input.redirectType as RedirectType;
  }
  for (const key of ['forwardQuery', 'archived'] as const) {
    if (!has(input, key)) continue;
    if (typeof input[key] !== 'boolean') fail(`/${key}`, 'must be true or false');
    else changes[key] = input[key] as boolean;
  }
  if (has(input, 'expiresAt')) {
    const value = input.expiresAt;
    const date = typeof value === 'string' ? rfc3339(value) : null;
    if (value === null) changes.expiresAt = null;
    else if (!date) fail('/expiresAt', 'must be an RFC 3339 date-time with offset, e.g. 2030-01-31T12:00:00Z');
    else changes.expiresAt = date;
  }
  if (has(input, 'expiredUrl')) {
    if (input.expiredUrl === null) changes.expiredUrl = null;
    else { const url = destination(input.expiredUrl, '/expiredUrl'); if (url) changes.expiredUrl = url; }
  }
  if (has(input, 'maxClicks')) {
    const value = input.maxClicks;
    if (value === null) changes.maxClicks = null;
    else if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) fail('/maxClicks', 'must be a whole number of at least 1, or null');
    else changes.maxClicks = value;
  }
  if (has(input, 'password')) {
    const value = input.password;
    if (value === null) changes.password = null;
    else if (typeof value !== 'string' || value.length < 1 || value.length > LIMITS.password) fail('/password', `must be 1 to ${LIMITS.password} characters, or null to remove it`);
    else changes.password = value;
  }
  if (has(input, 'rules')) changes.rules = checkRules(input.rules, fail, destination);
  if (has(input, 'variants')) changes.variants = checkVariants(input.variants, fail, destination);
  if (has(input, 'utm')) changes.utm = checkUtm(input.utm, fail);
  return { changes, errors, destinations };
}

type Fail = (pointer: string, detail: string) => void;
type Destination = (value: unknown, pointer: string) => string | undefined;
const CONDITION_KEYS = ['device', 'os', 'browser', 'country', 'language'] as const;

function checkRules(value: unknown, fail: Fail, destination: Destination): Rule[] {
  if (!Array.isArray(value)) return fail('/rules', 'must be an array'), [];
  if (value.length > LIMITS.rules) fail('/rules', `at most ${LIMITS.rules} rules`);
  const rules: Rule[] = [];
  value.forEach((rule: unknown, i) => {
    const at = `/rules/${i}`;
    if (typeof rule !== 'object' || rule === null || typeof (rule as Rule).when !== 'object' || (rule as Rule).when === null) return fail(`${at}/when`, 'must be an object of conditions');
    const when = (rule as Rule).when as Record<string, unknown>;
    const clean: Rule['when'] = {};
    for (const key of CONDITION_KEYS) {
      const list = when[key];
      if (list === undefined) continue;
      if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.conditionValues || list.some((v) => typeof v !== 'string' || v.length === 0 || v.length > 64)) {
        fail(`${at}/when/${key}`, `must be a non-empty array of up to ${LIMITS.conditionValues} strings`);
        continue;
      }
      clean[key] = key === 'country' ? list.map((v: string) => v.toUpperCase()) : list.map((v: string) => v.toLowerCase());
      if (key === 'country' && clean.country!.some((c) => !/^[A-Z]{2}$/.test(c))) fail(`${at}/when/country`, 'must hold ISO 3166-1 alpha-2 codes such as "DE"');
    }
    if (when.query !== undefined) {
      const query = when.query;
      if (typeof query !== 'object' || query === null || Array.isArray(query) || Object.keys(query).length === 0 || Object.values(query).some((v) => typeof v !== 'string')) fail(`${at}/when/query`, 'must be a non-empty object of parameter names to string values');
      else clean.query = query as Record<string, string>;
    }
    const unknownKeys = Object.keys(when).filter((k) => k !== 'query' && !(CONDITION_KEYS as readonly string[]).includes(k));
    if (unknownKeys.length > 0) fail(`${at}/when`, `unknown condition ${unknownKeys.join(', ')}`);
    if (Object.keys(clean).length === 0 && unknownKeys.length === 0) fail(`${at}/when`, 'must hold at least one condition');
    const url = destination((rule as Rule).url, `${at}/url`);
    if (url) rules.push({ when: clean, url });
  });
  return rules;
}

function checkVariants(value: unknown, fail: Fail, destination: Destination): Variant[] {
  if (!Array.isArray(value)) return fail('/variants', 'must be an array'), [];
  if (value.length > LIMITS.variants) fail('/variants', `at most ${LIMITS.variants} variants`);
  const variants: Variant[] = [];
  value.forEach((variant: unknown, i) => {
    const at = `/variants/${i}`;
    const weight = (variant as Variant | null)?.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) fail(`${at}/weight`, 'must be a whole number from 1 to 100');
    const url = destination((variant as Variant | null)?.url, `${at}/url`);
    if (url && typeof weight === 'number') variants.push({ url, weight });
  });
  return variants;
}

function checkUtm(value: unknown, fail: Fail): Utm {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('/utm', 'must be an object'), {};
  const utm: Utm = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(UTM_KEYS as readonly string[]).includes(key)) { fail(`/utm/${pointerToken(key)}`, `unknown UTM field; known: ${UTM_KEYS.join(', ')}`); continue; }
    if (v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > LIMITS.utmValue) { fail(`/utm/${key}`, `must be a string of at most ${LIMITS.utmValue} characters`); continue; }
    utm[key as keyof Utm] = v;
  }
  return utm;
}

/** RFC 6901: "~" and "/" inside a reference token are escaped. */
const pointerToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?([Zz]|[+-]\d\d:\d\d)$/;

/** A real instant from an RFC 3339 date-time with offset; null for 2030-02-31 and the like. */
function rfc3339(value: string): Date | null {
  const m = RFC3339.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const calendar = new Date(Date.UTC(y, mo - 1, d));
  if (calendar.getUTCMonth() !== mo - 1 || calendar.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  const date = new Date(value.toUpperCase());
  return Number.isNaN(date.getTime()) ? null : date;
}
