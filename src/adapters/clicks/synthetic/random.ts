/**
 * Seeded randomness for synthetic clicks: the same seed gives the same traffic, so a seeded
 * database (and a benchmark over it) can be reproduced. Not for anything secret.
 */

/** splitmix32 finaliser: a well-mixed 32-bit hash of a 32-bit input. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/** A 32-bit hash of several integers: derives independent streams (one per visitor, per hour, …). */
export function hash32(...parts: number[]): number {
  let h = 0x2545f491;
  for (const part of parts) h = mix32(h ^ mix32(part | 0) ^ Math.floor(part / 0x1_0000_0000));
  return h;
}

/** sfc32 (Chris Doty-Humphrey's small fast counter): fast, passes PractRand, 128 bits of state. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x5bd1e995);
    this.c = mix32(this.b ^ 0x1b873593);
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Picks index i with probability weights[i] / sum, by binary search over the cumulative sums. */
export class WeightedPick {
  private readonly cumulative: Float64Array;

  constructor(weights: readonly number[]) {
    if (weights.length === 0) throw new Error('WeightedPick needs at least one weight');
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    weights.forEach((w, i) => { sum += Math.max(0, w); this.cumulative[i] = sum; });
    if (!(sum > 0)) throw new Error('WeightedPick needs a positive total weight');
  }

  /** `u` uniform in [0, 1). */
  index(u: number): number {
    const target = u * this.cumulative[this.cumulative.length - 1]!;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cumulative[mid]! > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Zipf weights 1 / rank^s for ranks 1..n: a few items get most of the traffic, a long tail the rest. */
export function zipfWeights(n: number, s: number): number[] {
  return Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
}

/** A seed from a command-line value: an integer as is, any other text hashed. */
export function seedFrom(value: string): number {
  if (/^\d+$/.test(value)) return Number(BigInt(value) % 0x1_0000_0000n);
  let h = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
