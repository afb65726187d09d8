import { createHash, randomBytes, randomInt } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Prefixed, time-ordered identifiers ("lnk_01jd…"): 48 bits of milliseconds then 80
 * random bits, Crockford base32. Sortable by creation, unguessable, safe in URLs.
 */
export function newId(prefix: string, now = Date.now()): string {
  let out = '';
  let time = now;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32] + out;
    time = Math.floor(time / 32);
  }
  const random = randomBytes(16);
  for (let i = 0; i < 16; i++) out += CROCKFORD[random[i]! % 32];
  return `${prefix}_${out}`;
}

/** A uniformly random base62 string from the CSPRNG (no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

/** A bearer secret: 256 random bits, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Per process: 2 variant-nibble bits and 48 random bits end every click id it makes. */
const CLICK_ID_TAIL = (() => {
  const bytes = randomBytes(7);
  return { variant: (8 | (bytes[0]! & 3)).toString(16), node: bytes.subarray(1).toString('hex') };
})();
let clickCounter = randomInt(1 << 24);
let clickMs = -1;
let clickPrefix = '';

/**
 * A UUIDv7 for a click event (RFC 9562): 48 bits of milliseconds, then a 24-bit counter and
 * 50 random bits fixed per process. Unique within a process (the counter would have to wrap
 * 16M times in one millisecond), and across processes unless two draw the same 50 bits.
 * Cheap enough for the hot path: the time prefix is formatted once per millisecond.
 */
export function newClickId(now: number): string {
  if (now !== clickMs) {
    clickMs = now;
    const hex = now.toString(16).padStart(12, '0');
    clickPrefix = `${hex.slice(0, 8)}-${hex.slice(8)}-7`;
  }
  const n = clickCounter = (clickCounter + 1) & 0xffffff;
  const low = (n & 0xfff).toString(16).padStart(3, '0');
  const high = (n >>> 12).toString(16).padStart(3, '0');
  return `${clickPrefix}${low}-${CLICK_ID_TAIL.variant}${high}-${CLICK_ID_TAIL.node}`;
}
