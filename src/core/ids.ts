import { createHash, randomBytes, randomInt } from 'node:crypto';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The last id's millisecond and random digits: ids made in the same millisecond count up from it. */
let lastIdMs = -1;
const lastIdDigits = new Uint8Array(16);

/**
 * Prefixed, time-ordered identifiers ("lnk_01jd…"): 48 bits of milliseconds then 80
 * random bits, Crockford base32. Sortable by creation, unguessable, safe in URLs.
 * Within one millisecond a process's ids still sort in creation order (lists order by
 * created_at then id, and two rows often share a timestamp): the random part then steps up
 * from the previous id's by a random amount below 2^20 instead of being drawn afresh.
 */
export function newId(prefix: string, now = Date.now()): string {
  if (now !== lastIdMs || !stepUp(lastIdDigits, randomInt(1, 1 << 20))) {
    const random = randomBytes(16);
    for (let i = 0; i < 16; i++) lastIdDigits[i] = random[i]! % 32;
  }
  lastIdMs = now;
  let out = '';
  let time = now;
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[time % 32] + out;
    time = Math.floor(time / 32);
  }
  for (let i = 0; i < 16; i++) out += CROCKFORD[lastIdDigits[i]!];
  return `${prefix}_${out}`;
}

/** Adds `step` to base-32 digits (most significant first); false if they would overflow. */
function stepUp(digits: Uint8Array, step: number): boolean {
  const before = digits.slice();
  let carry = step;
  for (let i = digits.length - 1; i >= 0 && carry > 0; i--) {
    const sum = digits[i]! + carry;
    digits[i] = sum % 32;
    carry = Math.floor(sum / 32);
  }
  if (carry === 0) return true;
  digits.set(before);
  return false;
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
