import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  HLL_FORMAT_DENSE, HLL_FORMAT_SPARSE, HLL_MAX_RANK, HLL_PRECISION, HLL_REGISTERS, HLL_STANDARD_ERROR,
  mergeAll, VisitorSketch,
} from '../../src/core/analytics/hll.js';

/** Deterministic stand-ins for visitor ids: hex SHA-256, like the real keyed hash. */
const visitorId = (label: string): string => createHash('sha256').update(label).digest('hex');
const visitorIds = (n: number, seed = 0): string[] => Array.from({ length: n }, (_, i) => visitorId(`visitor-${seed}-${i}`));

const sketchOf = (ids: Iterable<string>): VisitorSketch => {
  const sketch = VisitorSketch.empty();
  for (const id of ids) sketch.add(id);
  return sketch;
};
const relativeError = (estimate: number, actual: number): number => Math.abs(estimate - actual) / actual;
const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** One pool reused by the prefix-sized tests (hashing dominates the test time). */
const POOL = visitorIds(100_000);
/** Sparse → dense happens past this many set registers (sparse would then outgrow 1 + 4096 bytes). */
const SPARSE_MAX_ENTRIES = Math.floor(HLL_REGISTERS / 3);

const denseRow = (fill: (registers: Uint8Array) => void = () => {}): Uint8Array => {
  const bytes = new Uint8Array(1 + HLL_REGISTERS);
  bytes[0] = HLL_FORMAT_DENSE;
  fill(bytes.subarray(1));
  return bytes;
};

describe('VisitorSketch constants', () => {
  it('uses p = 12 and exports the standard error', () => {
    assert.equal(HLL_PRECISION, 12);
    assert.equal(HLL_REGISTERS, 4096);
    assert.equal(HLL_MAX_RANK, 53);
    assert.ok(Math.abs(HLL_STANDARD_ERROR - 0.01625) < 1e-12);
  });
});

describe('VisitorSketch accuracy', () => {
  it('estimates 0 for an empty sketch, which serializes to one byte', () => {
    const empty = VisitorSketch.empty();
    assert.equal(empty.estimate(), 0);
    assert.deepEqual(empty.toBytes(), Uint8Array.of(HLL_FORMAT_SPARSE));
    assert.equal(VisitorSketch.fromBytes(empty.toBytes()).estimate(), 0);
  });

  it('is exact or within ±1 for tiny sets, within ±3 at 100', (t) => {
    for (const n of [1, 2, 10, 100]) {
      // At n = 100 about 1.2 register collisions are expected and the linear-counting regime
      // has a standard deviation of ~1 visitor: ±1 holds for ~90 % of seeds, not all.
      const tolerance = n < 100 ? 1 : 3;
      for (let seed = 0; seed < 5; seed++) {
        const estimate = sketchOf(visitorIds(n, 1000 + seed)).estimate();
        assert.ok(Math.abs(estimate - n) <= tolerance, `n=${n} seed=${seed}: estimate ${estimate}`);
      }
      t.diagnostic(`n=${n}: ${sketchOf(POOL.slice(0, n)).estimate()}`);
    }
  });

  it('stays within 3 standard errors for 1k, 10k and 100k visitors', (t) => {
    for (const n of [1000, 10_000, 100_000]) {
      const estimate = sketchOf(POOL.slice(0, n)).estimate();
      const error = relativeError(estimate, n);
      t.diagnostic(`n=${n}: estimate ${estimate}, error ${pct(error)}`);
      assert.ok(error <= 3 * HLL_STANDARD_ERROR, `n=${n}: estimate ${estimate} (error ${pct(error)})`);
    }
  });

  it('has a mean absolute relative error within 1.5 standard errors over 20 seeds at 10k', (t) => {
    const n = 10_000;
    let sum = 0;
    let worst = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const error = relativeError(sketchOf(visitorIds(n, seed)).estimate(), n);
      sum += error;
      worst = Math.max(worst, error);
    }
    const mean = sum / 20;
    t.diagnostic(`mean |error| ${pct(mean)}, worst ${pct(worst)} (standard error ${pct(HLL_STANDARD_ERROR)})`);
    assert.ok(mean <= 1.5 * HLL_STANDARD_ERROR, `mean error ${pct(mean)}`);
  });

  it('never increases the estimate on duplicates', () => {
    for (const n of [5, 3000]) {
      const sketch = sketchOf(POOL.slice(0, n));
      const before = sketch.toBytes();
      const estimate = sketch.estimate();
      for (const id of POOL.slice(0, n)) sketch.add(id);
      for (const id of POOL.slice(0, n)) sketch.add(id.toUpperCase());
      assert.equal(sketch.estimate(), estimate);
      assert.deepEqual(sketch.toBytes(), before);
    }
  });
});

describe('VisitorSketch.add', () => {
  it('reads the first 16 hex digits as the hash: top 12 bits index, rank from the rest', () => {
    const cases: Array<[string, number, number]> = [
      ['fff80000' + '00000000', 4095, 1], // first bit after the index is set → rank 1
      ['00100000' + '00000000', 1, 53], // nothing set after the index → max rank
      ['00000000' + '80000000', 0, 21], // 20 zero bits, then a set bit
      ['abc00001' + 'ffffffff', 0xabc, 20],
    ];
    for (const [hex, index, rank] of cases) {
      const sketch = VisitorSketch.empty();
      sketch.add(hex + 'ff'.repeat(8)); // digits past the 16th are ignored
      assert.deepEqual(sketch.toBytes(), Uint8Array.of(HLL_FORMAT_SPARSE, index >>> 8, index & 0xff, rank), hex);
    }
  });

  it('rejects ids that do not start with 16 hex digits', () => {
    for (const bad of ['', 'abc', '0123456789abcde', '0123456789abcdeg0000', 'zz23456789abcdef']) {
      assert.throws(() => VisitorSketch.empty().add(bad), Error, bad);
    }
  });
});

describe('VisitorSketch.merge', () => {
  it('gives exactly the sketch of the union, sparse or dense', () => {
    for (const [a, b] of [[30, 40], [1000, 1200], [3000, 5000], [20, 5000]] as const) {
      const left = POOL.slice(0, a);
      const right = POOL.slice(a / 2, a / 2 + b); // overlaps left
      const merged = sketchOf(left);
      merged.merge(sketchOf(right));
      const union = sketchOf(new Set([...left, ...right]));
      assert.deepEqual(merged.toBytes(), union.toBytes(), `${a} ∪ ${b}`);
      assert.equal(merged.estimate(), union.estimate());
    }
  });

  it('is commutative and idempotent', () => {
    const a = POOL.slice(0, 800);
    const b = POOL.slice(500, 4000);
    const ab = sketchOf(a);
    ab.merge(sketchOf(b));
    const ba = sketchOf(b);
    ba.merge(sketchOf(a));
    assert.deepEqual(ab.toBytes(), ba.toBytes());

    const once = ab.toBytes();
    ab.merge(sketchOf(b));
    ab.merge(ab);
    assert.deepEqual(ab.toBytes(), once);

    const small = sketchOf(POOL.slice(0, 10));
    const smallBytes = small.toBytes();
    small.merge(sketchOf(POOL.slice(0, 10)));
    assert.deepEqual(small.toBytes(), smallBytes);
  });

  it('stays sparse for small sketches and turns dense when merged with dense', () => {
    const small = sketchOf(POOL.slice(0, 10));
    small.merge(sketchOf(POOL.slice(10, 20)));
    assert.equal(small.toBytes()[0], HLL_FORMAT_SPARSE);
    assert.equal(small.toBytes().length, 1 + 3 * 20 - 3 * collisions(POOL.slice(0, 20)));

    small.merge(sketchOf(POOL.slice(0, 5000)));
    assert.equal(small.toBytes()[0], HLL_FORMAT_DENSE);
  });
});

/** How many of the ids land in an already used register. */
function collisions(ids: string[]): number {
  return ids.length - new Set(ids.map((id) => parseInt(id.slice(0, 3), 16))).size;
}

describe('VisitorSketch serialization', () => {
  it('round-trips the sparse and dense forms', () => {
    for (const n of [0, 1, 14, 500, 1400, 3000, 50_000]) {
      const sketch = sketchOf(POOL.slice(0, n));
      const bytes = sketch.toBytes();
      const decoded = VisitorSketch.fromBytes(bytes);
      assert.deepEqual(decoded.toBytes(), bytes, `n=${n}`);
      assert.equal(decoded.estimate(), sketch.estimate(), `n=${n}`);
    }
  });

  it('switches from sparse to dense once sparse would be larger, invisibly to estimates', (t) => {
    const sketch = VisitorSketch.empty();
    let switchedAt = -1;
    let previousEstimate = 0;
    for (let i = 0; i < 3000; i++) {
      sketch.add(POOL[i]!);
      const bytes = sketch.toBytes();
      if (bytes[0] === HLL_FORMAT_SPARSE) {
        assert.ok(bytes.length <= 1 + HLL_REGISTERS, 'sparse never outgrows dense');
      } else if (switchedAt < 0) {
        switchedAt = i + 1;
        assert.equal(bytes.length, 1 + HLL_REGISTERS);
        // One visitor earlier it was sparse at exactly the largest size that still beats dense.
        const sparseBefore = sketchOf(POOL.slice(0, i)).toBytes();
        assert.equal(sparseBefore[0], HLL_FORMAT_SPARSE);
        assert.equal((sparseBefore.length - 1) / 3, SPARSE_MAX_ENTRIES);
      }
      const estimate = sketch.estimate();
      assert.ok(estimate >= previousEstimate, 'monotone in the number of added visitors');
      previousEstimate = estimate;
    }
    t.diagnostic(`switched to dense after ${switchedAt} visitors`);
    assert.ok(switchedAt > 0);
  });

  it('estimates the same registers identically whether stored sparse or dense', () => {
    for (const n of [1, 14, 700, 1300]) {
      const sparse = sketchOf(POOL.slice(0, n)).toBytes();
      assert.equal(sparse[0], HLL_FORMAT_SPARSE);
      const dense = denseRow((registers) => {
        for (let at = 1; at < sparse.length; at += 3) registers[(sparse[at]! << 8) | sparse[at + 1]!] = sparse[at + 2]!;
      });
      const fromDense = VisitorSketch.fromBytes(dense);
      assert.equal(fromDense.estimate(), VisitorSketch.fromBytes(sparse).estimate(), `n=${n}`);
      // Output is canonical: a dense row with few registers set is written back sparse.
      assert.deepEqual(fromDense.toBytes(), sparse);
    }
  });

  it('rejects malformed input with an Error', () => {
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['empty buffer', new Uint8Array(0), /empty/],
      ['unknown format', Uint8Array.of(7, 0, 1, 1), /format/],
      ['format 0', Uint8Array.of(0), /format/],
      ['truncated dense', denseRow().subarray(0, 4000), /dense/],
      ['overlong dense', Uint8Array.of(...denseRow(), 0), /dense/],
      ['dense rank too large', denseRow((r) => { r[17] = HLL_MAX_RANK + 1; }), /rank/],
      ['sparse length not a multiple of 3', Uint8Array.of(HLL_FORMAT_SPARSE, 0, 1), /multiple/],
      ['sparse index ≥ 4096', Uint8Array.of(HLL_FORMAT_SPARSE, 0x10, 0x00, 1), /index/],
      ['sparse rank too large', Uint8Array.of(HLL_FORMAT_SPARSE, 0, 1, HLL_MAX_RANK + 1), /rank/],
      ['sparse rank 0', Uint8Array.of(HLL_FORMAT_SPARSE, 0, 1, 0), /rank/],
      ['sparse indices unsorted', Uint8Array.of(HLL_FORMAT_SPARSE, 0, 2, 1, 0, 1, 1), /ascending/],
      ['sparse duplicate index', Uint8Array.of(HLL_FORMAT_SPARSE, 0, 2, 1, 0, 2, 3), /ascending/],
    ];
    for (const [name, bytes, message] of cases) {
      assert.throws(() => VisitorSketch.fromBytes(bytes), message, name);
      assert.throws(() => mergeAll([VisitorSketch.empty().toBytes(), bytes]), message, name);
    }
    // The largest legal rank is accepted.
    assert.equal(VisitorSketch.fromBytes(Uint8Array.of(HLL_FORMAT_SPARSE, 0, 1, HLL_MAX_RANK)).estimate(), 1);
  });

  it('leaves a sketch untouched when merging malformed bytes fails', () => {
    const sketch = sketchOf(POOL.slice(0, 5));
    const before = sketch.toBytes();
    assert.throws(() => sketch.mergeBytes(Uint8Array.of(HLL_FORMAT_SPARSE, 0, 1, 1, 0x10, 0, 1)), /index/);
    assert.deepEqual(sketch.toBytes(), before);
  });
});

describe('mergeAll', () => {
  it('estimates the union of 720 hourly sketches of 14 visitors each', (t) => {
    // 12 new visitors per hour plus 2 returning ones from a pool of 500 regulars.
    const regulars = visitorIds(500, 7);
    const all = new Set<string>();
    const rows: Uint8Array[] = [];
    for (let hour = 0; hour < 720; hour++) {
      const ids = POOL.slice(hour * 12, hour * 12 + 12);
      ids.push(regulars[(hour * 7) % 500]!, regulars[(hour * 13 + 3) % 500]!);
      for (const id of ids) all.add(id);
      const row = sketchOf(ids).toBytes();
      assert.equal(row[0], HLL_FORMAT_SPARSE);
      assert.ok(row.length <= 1 + 3 * 14);
      rows.push(row);
    }
    const union = mergeAll(rows);
    const error = relativeError(union.estimate(), all.size);
    t.diagnostic(`union of ${all.size}: estimate ${union.estimate()}, error ${pct(error)}`);
    assert.ok(error <= 3 * HLL_STANDARD_ERROR, `estimate ${union.estimate()} for ${all.size}`);
    assert.deepEqual(union.toBytes(), sketchOf(all).toBytes());
  });
});

describe('VisitorSketch stored (appendable) form', () => {
  const ids = (n: number, seed: string) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${seed}${i}`).digest('hex'));
  const sketchOf = (list: string[]) => { const s = VisitorSketch.empty(); for (const id of list) s.add(id); return s; };
  const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

  it('reads a sketch followed by appended entries as the union, in either format', () => {
    const a = ids(50, 'a');
    const b = ids(3000, 'b');
    for (const head of [sketchOf(a), sketchOf(b)]) {
      const tail = sketchOf(ids(40, 'c'));
      const stored = concat(head.toBytes(), tail.entries(), tail.entries());
      const read = VisitorSketch.empty();
      read.mergeStored(stored);
      const union = VisitorSketch.fromBytes(head.toBytes());
      union.merge(tail);
      assert.deepEqual(read.toBytes(), union.toBytes());
    }
  });

  it('entries() of a dense sketch are its set registers', () => {
    const dense = sketchOf(ids(5000, 'd'));
    const read = VisitorSketch.empty();
    read.mergeStored(concat(Uint8Array.of(1), dense.entries()));
    assert.deepEqual(read.toBytes(), dense.toBytes());
  });

  it('refuses malformed stored values before changing anything', () => {
    const sketch = sketchOf(ids(3, 'e'));
    const before = sketch.toBytes();
    for (const bad of [Uint8Array.of(), Uint8Array.of(9), Uint8Array.of(1, 0, 1), Uint8Array.of(1, 0x10, 0, 1), Uint8Array.of(1, 0, 1, 0), Uint8Array.of(2, 1)]) {
      assert.throws(() => sketch.mergeStored(bad));
    }
    assert.deepEqual(sketch.toBytes(), before);
  });

  it('register() + addRegister() equals add()', () => {
    const a = VisitorSketch.empty();
    const b = VisitorSketch.empty();
    for (const id of ids(100, 'f')) { a.add(id); b.addRegister(VisitorSketch.register(id)); }
    assert.deepEqual(a.toBytes(), b.toBytes());
  });
});
