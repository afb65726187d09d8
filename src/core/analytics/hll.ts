/**
 * HyperLogLog sketch of distinct visitors, stored per (hour, dimension value) row as bytea
 * and merged at query time.
 *
 * Input: a click's `visitorId` is already a uniformly distributed keyed hash (SHA-256 under
 * the day's secret salt, lower-case hex), so it is NOT hashed again: its first 16 hex chars
 * are the 64-bit hash.
 * The top p bits pick the register, the rank is 1 + the number of leading zeros of the
 * remaining 64 - p bits (so ranks are 1..64-p+1 = 53 and fit in a byte).
 *
 * Estimator: Otmar Ertl's "improved raw estimator" (Algorithm 6 of "New cardinality
 * estimation algorithms for HyperLogLog sketches", 2017). It works from the histogram of
 * register values through the sigma/tau series, needs no empirical bias tables, and is
 * accurate across the whole range: it degrades gracefully to linear counting when most
 * registers are empty and handles the high end without the classic 2^32 correction.
 * It depends only on the registers, so sparse and dense forms estimate identically.
 *
 * Serialized format (first byte = format, so it can evolve):
 *   1 (sparse): then 3 bytes per non-zero register, ascending by index: index u16 big-endian, rank u8.
 *   2 (dense):  then 4096 bytes, one rank per register (0 = empty).
 * The sparse form is used while it is no larger than the dense one (at most 1365 registers
 * set). Most rows see few visitors, so they cost 1 + 3k bytes; an empty sketch is 1 byte.
 * toBytes() is canonical: its output depends only on the register values.
 *
 * Stored rollup values are appendable: a sketch in either format followed by more sparse
 * entries (any order, repeats allowed). Ingest appends a batch's entries() to a row in SQL
 * (`visitors || entries`) without reading it, because a register-wise max does not depend on
 * order; rows that grew past a threshold are compacted back to toBytes(). mergeStored() reads
 * this form; mergeBytes() stays strict for canonical input.
 */

export const HLL_PRECISION = 12;
export const HLL_REGISTERS = 1 << HLL_PRECISION;
/** Relative standard error of the estimate, 1.04 / sqrt(m) ≈ 1.625 %. */
export const HLL_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);
/** Largest rank: all 64 - p bits after the index are zero. */
export const HLL_MAX_RANK = 64 - HLL_PRECISION + 1;

export const HLL_FORMAT_SPARSE = 1;
export const HLL_FORMAT_DENSE = 2;

const SPARSE_ENTRY_BYTES = 3;
const DENSE_BYTES = 1 + HLL_REGISTERS;
/** Beyond this many set registers, sparse (1 + 3k bytes) would outgrow dense (1 + 4096 bytes). */
const SPARSE_MAX_ENTRIES = Math.floor(HLL_REGISTERS / SPARSE_ENTRY_BYTES);

/** Bits of the high 32-bit half left after the register index. */
const HI_REST_BITS = 32 - HLL_PRECISION;
const HI_REST_MASK = (1 << HI_REST_BITS) - 1;
const HEX64 = /^[0-9a-fA-F]{16}/;

/**
 * Registers: a Map (index → rank, only non-zero ranks) while few are set, then 4096 bytes.
 * Once dense, a sketch stays dense in memory (anything merged with dense is dense).
 */
type Registers = Map<number, number> | Uint8Array;

export class VisitorSketch {
  private constructor(private registers: Registers) {}

  static empty(): VisitorSketch {
    return new VisitorSketch(new Map());
  }

  /** Decodes toBytes() output; throws an Error on anything malformed. */
  static fromBytes(bytes: Uint8Array): VisitorSketch {
    const sketch = VisitorSketch.empty();
    sketch.mergeBytes(bytes);
    return sketch;
  }

  /** Adds one visitor. `visitorIdHex` must start with 16 hex digits (64 bits of hash). */
  add(visitorIdHex: string): void {
    this.addRegister(VisitorSketch.register(visitorIdHex));
  }

  /**
   * The register a visitor id sets, packed as index << 8 | rank: computed once per click when
   * the same visitor goes into many sketches (one per rollup row), then given to addRegister.
   */
  static register(visitorIdHex: string): number {
    // parseInt alone would silently accept a partial prefix ("12zz…" → 0x12), so check first.
    if (!HEX64.test(visitorIdHex)) throw new Error(`HLL: visitor id must start with 16 hex digits, got "${visitorIdHex}"`);
    // Two exact 32-bit halves: 8 hex digits never exceed 2^32 - 1, no BigInt needed.
    const hi = parseInt(visitorIdHex.slice(0, 8), 16);
    const lo = parseInt(visitorIdHex.slice(8, 16), 16);
    const restHi = hi & HI_REST_MASK;
    // clz32 counts the index bits too (restHi < 2^20), hence "- HLL_PRECISION".
    const rank = restHi !== 0 ? Math.clz32(restHi) - HLL_PRECISION + 1
      : lo !== 0 ? HI_REST_BITS + Math.clz32(lo) + 1
      : HLL_MAX_RANK;
    return ((hi >>> HI_REST_BITS) << 8) | rank;
  }

  addRegister(packed: number): void {
    this.raise(packed >>> 8, packed & 0xff);
  }

  /** In place: register-wise max, i.e. this becomes the sketch of the union. */
  merge(other: VisitorSketch): void {
    if (other === this) return;
    const theirs = other.registers;
    if (theirs instanceof Map) {
      for (const [index, rank] of theirs) this.raise(index, rank);
      return;
    }
    const mine = this.densify();
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const rank = theirs[i]!;
      if (rank > mine[i]!) mine[i] = rank;
    }
  }

  /**
   * Merges a serialized sketch without building an intermediate one (the query path merges
   * hundreds of rows). The input is fully validated before anything is changed.
   */
  mergeBytes(bytes: Uint8Array): void {
    validate(bytes);
    if (bytes[0] === HLL_FORMAT_SPARSE) {
      for (let at = 1; at < bytes.length; at += SPARSE_ENTRY_BYTES) {
        this.raise((bytes[at]! << 8) | bytes[at + 1]!, bytes[at + 2]!);
      }
      return;
    }
    const mine = this.densify();
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const rank = bytes[i + 1]!;
      if (rank > mine[i]!) mine[i] = rank;
    }
  }

  /**
   * Merges a stored rollup value: a sketch (either format) followed by appended sparse
   * entries in any order, repeats allowed. Validated in full before anything changes.
   */
  mergeStored(bytes: Uint8Array): void {
    const head = validateStored(bytes);
    if (bytes[0] === HLL_FORMAT_DENSE) {
      const mine = this.densify();
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const rank = bytes[i + 1]!;
        if (rank > mine[i]!) mine[i] = rank;
      }
    }
    for (let at = head; at < bytes.length; at += SPARSE_ENTRY_BYTES) {
      this.raise((bytes[at]! << 8) | bytes[at + 1]!, bytes[at + 2]!);
    }
  }

  /** The set registers as sparse entries without a format byte (what ingest appends to a stored row). */
  entries(): Uint8Array {
    const canonical = this.toBytes();
    if (canonical[0] === HLL_FORMAT_SPARSE) return canonical.subarray(1);
    const dense = canonical.subarray(1);
    let set = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) if (dense[i] !== 0) set++;
    const indices = new Uint16Array(set);
    for (let i = 0, n = 0; i < HLL_REGISTERS; i++) if (dense[i] !== 0) indices[n++] = i;
    return writeSparse(indices, (index) => dense[index]!).subarray(1);
  }

  /** Estimated number of distinct visitors added, rounded to an integer. */
  estimate(): number {
    // Histogram of register values: counts[k] = number of registers holding rank k.
    const counts = new Float64Array(HLL_MAX_RANK + 1);
    const registers = this.registers;
    if (registers instanceof Map) {
      counts[0] = HLL_REGISTERS - registers.size;
      for (const rank of registers.values()) counts[rank]!++;
    } else {
      for (let i = 0; i < HLL_REGISTERS; i++) counts[registers[i]!]!++;
    }
    const estimate = ertlEstimate(counts);
    // Only infinite if every register is saturated, i.e. ~2^64 visitors: treat as overflow.
    return Number.isFinite(estimate) ? Math.round(estimate) : Number.MAX_SAFE_INTEGER;
  }

  toBytes(): Uint8Array {
    const registers = this.registers;
    if (registers instanceof Map) {
      // raise() keeps the Map within SPARSE_MAX_ENTRIES. Map order is insertion order:
      // sort the indices so the output is canonical.
      const indices = Uint16Array.from(registers.keys()).sort();
      return writeSparse(indices, (index) => registers.get(index)!);
    }
    let set = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) if (registers[i] !== 0) set++;
    if (set > SPARSE_MAX_ENTRIES) return this.denseCopy();
    // Dense in memory but few registers set (e.g. decoded from a sparse-ish dense row).
    const indices = new Uint16Array(set);
    for (let i = 0, n = 0; i < HLL_REGISTERS; i++) if (registers[i] !== 0) indices[n++] = i;
    return writeSparse(indices, (index) => registers[index]!);
  }

  private raise(index: number, rank: number): void {
    const registers = this.registers;
    if (registers instanceof Map) {
      const current = registers.get(index);
      if (current === undefined) {
        registers.set(index, rank);
        if (registers.size > SPARSE_MAX_ENTRIES) this.densify();
      } else if (rank > current) {
        registers.set(index, rank);
      }
    } else if (rank > registers[index]!) {
      registers[index] = rank;
    }
  }

  /** Switches to the dense form (if not already) and returns its registers. */
  private densify(): Uint8Array {
    const registers = this.registers;
    if (!(registers instanceof Map)) return registers;
    const dense = new Uint8Array(HLL_REGISTERS);
    for (const [index, rank] of registers) dense[index] = rank;
    this.registers = dense;
    return dense;
  }

  private denseCopy(): Uint8Array {
    const out = new Uint8Array(DENSE_BYTES);
    out[0] = HLL_FORMAT_DENSE;
    out.set(this.densify(), 1);
    return out;
  }
}

/** Checks a stored (appendable) value and returns the offset where its sparse entries start. */
function validateStored(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new Error('HLL: empty buffer (an empty sketch is 1 byte)');
  const format = bytes[0];
  let head: number;
  if (format === HLL_FORMAT_SPARSE) head = 1;
  else if (format === HLL_FORMAT_DENSE) {
    if (bytes.length < DENSE_BYTES) throw new Error(`HLL: dense sketch must be at least ${DENSE_BYTES} bytes, got ${bytes.length}`);
    for (let at = 1; at < DENSE_BYTES; at++) {
      if (bytes[at]! > HLL_MAX_RANK) throw new Error(`HLL: dense rank ${bytes[at]} out of range (0..${HLL_MAX_RANK})`);
    }
    head = DENSE_BYTES;
  } else {
    throw new Error(`HLL: unknown format byte ${format} (expected ${HLL_FORMAT_SPARSE} = sparse or ${HLL_FORMAT_DENSE} = dense)`);
  }
  if ((bytes.length - head) % SPARSE_ENTRY_BYTES !== 0) {
    throw new Error(`HLL: appended entries of ${bytes.length - head} bytes are not a multiple of ${SPARSE_ENTRY_BYTES}`);
  }
  for (let at = head; at < bytes.length; at += SPARSE_ENTRY_BYTES) {
    const index = (bytes[at]! << 8) | bytes[at + 1]!;
    const rank = bytes[at + 2]!;
    if (index >= HLL_REGISTERS) throw new Error(`HLL: sparse register index ${index} out of range (< ${HLL_REGISTERS})`);
    if (rank < 1 || rank > HLL_MAX_RANK) throw new Error(`HLL: sparse rank ${rank} out of range (1..${HLL_MAX_RANK})`);
  }
  return head;
}

/** The union of serialized sketches (e.g. one per hour row). */
export function mergeAll(bytesList: Iterable<Uint8Array>): VisitorSketch {
  const sketch = VisitorSketch.empty();
  for (const bytes of bytesList) sketch.mergeBytes(bytes);
  return sketch;
}

function writeSparse(sortedIndices: Uint16Array, rankOf: (index: number) => number): Uint8Array {
  const out = new Uint8Array(1 + SPARSE_ENTRY_BYTES * sortedIndices.length);
  out[0] = HLL_FORMAT_SPARSE;
  let at = 1;
  for (const index of sortedIndices) {
    out[at++] = index >>> 8;
    out[at++] = index & 0xff;
    out[at++] = rankOf(index);
  }
  return out;
}

function validate(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new Error('HLL: empty buffer (an empty sketch is 1 byte)');
  const format = bytes[0];
  if (format === HLL_FORMAT_SPARSE) {
    if ((bytes.length - 1) % SPARSE_ENTRY_BYTES !== 0) {
      throw new Error(`HLL: sparse payload of ${bytes.length - 1} bytes is not a multiple of ${SPARSE_ENTRY_BYTES}`);
    }
    let previous = -1;
    for (let at = 1; at < bytes.length; at += SPARSE_ENTRY_BYTES) {
      const index = (bytes[at]! << 8) | bytes[at + 1]!;
      const rank = bytes[at + 2]!;
      if (index >= HLL_REGISTERS) throw new Error(`HLL: sparse register index ${index} out of range (< ${HLL_REGISTERS})`);
      // Strictly ascending: rejects duplicates and is a cheap corruption check.
      if (index <= previous) throw new Error(`HLL: sparse register indices not strictly ascending at ${index}`);
      if (rank < 1 || rank > HLL_MAX_RANK) throw new Error(`HLL: sparse rank ${rank} out of range (1..${HLL_MAX_RANK})`);
      previous = index;
    }
    return;
  }
  if (format === HLL_FORMAT_DENSE) {
    if (bytes.length !== DENSE_BYTES) throw new Error(`HLL: dense sketch must be ${DENSE_BYTES} bytes, got ${bytes.length}`);
    for (let at = 1; at < DENSE_BYTES; at++) {
      if (bytes[at]! > HLL_MAX_RANK) throw new Error(`HLL: dense rank ${bytes[at]} out of range (0..${HLL_MAX_RANK})`);
    }
    return;
  }
  throw new Error(`HLL: unknown format byte ${format} (expected ${HLL_FORMAT_SPARSE} = sparse or ${HLL_FORMAT_DENSE} = dense)`);
}

const ALPHA_INF = 1 / (2 * Math.LN2);
/** Hash bits after the index; registers hold 0..Q+1. */
const Q = 64 - HLL_PRECISION;

/** Ertl 2017, Algorithm 6: improved raw estimate from the register histogram. */
function ertlEstimate(counts: Float64Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau(1 - counts[Q + 1]! / m);
  for (let k = Q; k >= 1; k--) z = 0.5 * (z + counts[k]!);
  z += m * sigma(counts[0]! / m);
  return (ALPHA_INF * m * m) / z;
}

/** σ(x) = x + Σ_{k≥1} x^(2^k) · 2^(k-1); infinite at x = 1 (all registers empty → estimate 0). */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z !== previous);
  return z;
}

/** τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))² · 2^-k) / 3. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  } while (z !== previous);
  return z / 3;
}
