import { RollupGroups, type RollupKey } from './rollup-groups.js';
import { HLL_FORMAT_SPARSE, HLL_REGISTERS, VisitorSketch } from '../../core/analytics/hll.js';

/**
 * One rollup row a batch adds to: its key, clicks, and its visitors' packed registers (index << 8
 * | rank, repeats included) as a list in `pool`: `last` is the index of its newest register.
 */
export interface RollupRow extends RollupKey {
  pool: RegisterPool;
  last: number;
}

/**
 * The registers of a batch's rollup rows, in two growing typed arrays: each register with the
 * index of the row's register before it (-1 for the first). A click adds to ~14 rows; as a
 * plain array per row those were ~150 bytes per click of heap that lived until the batch's
 * rows were written, and copying them in every young-generation collection, then marking them
 * in the old generation, was a large part of ingest's garbage-collection time. Typed arrays
 * keep them off the collected heap.
 */
export class RegisterPool {
  private values = new Int32Array(1 << 16);
  private previous = new Int32Array(1 << 16);
  private size = 0;

  /** Appends `register` after the one at `last` (-1: a row's first); returns its index. */
  add(last: number, register: number): number {
    if (this.size === this.values.length) this.grow();
    this.values[this.size] = register;
    this.previous[this.size] = last;
    return this.size++;
  }

  /** The row's registers, newest first, into `out` from 0; returns how many. */
  collect(last: number, out: Int32Array): number {
    let n = 0;
    for (let at = last; at !== -1; at = this.previous[at]!) out[n++] = this.values[at]!;
    return n;
  }

  register(at: number): number {
    return this.values[at]!;
  }

  private grow(): void {
    const values = new Int32Array(this.values.length * 2);
    values.set(this.values);
    this.values = values;
    const previous = new Int32Array(this.previous.length * 2);
    previous.set(this.previous);
    this.previous = previous;
  }
}

/** More set registers than this are stored dense (hll.ts: sparse would outgrow 4,097 bytes). */
const SPARSE_MAX = Math.floor(HLL_REGISTERS / 3);

/**
 * Rollup rows of a batch of clicks (live ingest and the bulk load): a row collects plain
 * register numbers (in a RegisterPool) instead of a VisitorSketch (a Map per row: most rows see
 * one or two clicks, and at ~24 rows per click the Maps were ingest's largest cost in Node); the
 * sketch bytes are written once, when the rows are (sketchBytes). Each take() starts a new pool:
 * the rows it returns keep theirs.
 */
export function newRollupRows(): RollupGroups<RollupRow> {
  let pool: RegisterPool | null = null;
  return new RollupGroups<RollupRow>((k) => ({
    // Spelled out: a spread plus another property is a V8 slow path (~10 µs per object on Node 20).
    workspaceId: k.workspaceId, linkId: k.linkId, dimension: k.dimension, bucket: k.bucket, bot: k.bot, value: k.value, clicks: k.clicks,
    pool: (pool ??= new RegisterPool()), last: -1,
  }), (row, register) => {
    row.clicks++;
    row.last = row.pool.add(row.last, register);
  }, () => { pool = null; });
}

/**
 * The rows' sketches back to back in one buffer, with each one's length. `canonical` (the bulk
 * load's new rows): VisitorSketch.toBytes, i.e. sparse, ascending by index, one entry per
 * register with its highest rank, and dense past SPARSE_MAX registers. `appendable` (live
 * ingest): always sparse, so that what follows the format byte can be appended to a stored
 * row in SQL (hll.ts), sorted and de-duplicated the same way.
 */
export function sketchBytes(rows: readonly RollupRow[], form: 'canonical' | 'appendable' = 'canonical'): { bytes: Buffer; lengths: number[] } {
  // A sparse sketch takes 1 + 3 bytes per distinct register, and a dense one (4,097 bytes) is
  // only used past SPARSE_MAX of them, so 1 + 3 * clicks bounds every row.
  let bound = 0;
  let most = 0;
  for (const row of rows) {
    bound += 1 + 3 * row.clicks;
    if (row.clicks > most) most = row.clicks;
  }
  const bytes = Buffer.allocUnsafe(bound);
  const lengths = new Array<number>(rows.length);
  const scratch = new Int32Array(most);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const start = at;
    if (row.clicks === 1) {
      // Most rows saw one visitor: nothing to sort or de-duplicate.
      bytes[at++] = HLL_FORMAT_SPARSE;
      at = writeEntry(bytes, at, row.pool.register(row.last));
    } else {
      // Packed registers sort by index, then rank: the last of each index run has the highest rank.
      const all = scratch.subarray(0, row.pool.collect(row.last, scratch)).sort();
      let distinct = 0;
      for (let k = 0; k < all.length; k++) if (k + 1 === all.length || all[k + 1]! >>> 8 !== all[k]! >>> 8) all[distinct++] = all[k]!;
      if (distinct > SPARSE_MAX && form === 'canonical') {
        const sketch = VisitorSketch.empty();
        for (let k = 0; k < distinct; k++) sketch.addRegister(all[k]!);
        const dense = sketch.toBytes();
        bytes.set(dense, at);
        at += dense.length;
      } else {
        bytes[at++] = HLL_FORMAT_SPARSE;
        for (let k = 0; k < distinct; k++) at = writeEntry(bytes, at, all[k]!);
      }
    }
    lengths[i] = at - start;
  }
  return { bytes: bytes.subarray(0, at), lengths };
}

/** index u16 big-endian, then rank. */
function writeEntry(out: Buffer, at: number, packed: number): number {
  out[at] = packed >>> 16;
  out[at + 1] = (packed >>> 8) & 0xff;
  out[at + 2] = packed & 0xff;
  return at + 3;
}

/** Where each of the sketches laid back to back starts, 1-based, for `substring(bytes from offset for length)` in SQL. */
export function sketchOffsets(lengths: readonly number[]): number[] {
  const offsets = new Array<number>(lengths.length);
  for (let i = 0, at = 1; i < lengths.length; at += lengths[i]!, i++) offsets[i] = at;
  return offsets;
}
