import { RollupGroups, type RollupKey } from './rollup-groups.js';
import { HLL_FORMAT_SPARSE, HLL_REGISTERS, VisitorSketch } from '../../core/analytics/hll.js';

/** One rollup row a batch adds to: its key, clicks, and its visitors' packed registers (index << 8 | rank), repeats included. */
export interface RollupRow extends RollupKey {
  registers: number[];
}

/** More set registers than this are stored dense (hll.ts: sparse would outgrow 4,097 bytes). */
const SPARSE_MAX = Math.floor(HLL_REGISTERS / 3);

/**
 * Rollup rows of a batch of clicks (live ingest and the bulk load): a row collects plain
 * register numbers instead of a VisitorSketch (a Map per row: most rows see one or two clicks,
 * and at ~24 rows per click the Maps were ingest's largest cost in Node); the sketch bytes are
 * written once, when the rows are (sketchBytes).
 */
export const newRollupRows = () => new RollupGroups<RollupRow>((k) => ({
  // Spelled out: a spread plus another property is a V8 slow path (~10 µs per object on Node 20).
  workspaceId: k.workspaceId, linkId: k.linkId, dimension: k.dimension, bucket: k.bucket, bot: k.bot, value: k.value, clicks: k.clicks, registers: [],
}), (row, register) => {
  row.clicks++;
  row.registers.push(register);
});

/**
 * The rows' sketches back to back in one buffer, with each one's length. `canonical` (the bulk
 * load's new rows): VisitorSketch.toBytes, i.e. sparse, ascending by index, one entry per
 * register with its highest rank, and dense past SPARSE_MAX registers. `appendable` (live
 * ingest): always sparse, so that what follows the format byte can be appended to a stored
 * row in SQL (hll.ts), sorted and de-duplicated the same way.
 */
export function sketchBytes(rows: readonly RollupRow[], form: 'canonical' | 'appendable' = 'canonical'): { bytes: Buffer; lengths: number[] } {
  const lengths = new Array<number>(rows.length);
  // Most rows saw one visitor: only the others need sorting and de-duplicating.
  const sorted = new Array<Int32Array | Uint8Array | null>(rows.length);
  let size = 0;
  for (let i = 0; i < rows.length; i++) {
    const registers = rows[i]!.registers;
    if (registers.length === 1) {
      sorted[i] = null;
      lengths[i] = 4;
    } else {
      // Packed registers sort by index, then rank: the last of each index run has the highest rank.
      const all = Int32Array.from(registers).sort();
      let distinct = 0;
      for (let k = 0; k < all.length; k++) if (k + 1 === all.length || all[k + 1]! >>> 8 !== all[k]! >>> 8) all[distinct++] = all[k]!;
      if (distinct > SPARSE_MAX && form === 'canonical') {
        const sketch = VisitorSketch.empty();
        for (let k = 0; k < distinct; k++) sketch.addRegister(all[k]!);
        sorted[i] = sketch.toBytes();
      } else {
        sorted[i] = all.subarray(0, distinct);
      }
      lengths[i] = sorted[i] instanceof Uint8Array ? sorted[i]!.length : 1 + 3 * distinct;
    }
    size += lengths[i]!;
  }
  const bytes = Buffer.allocUnsafe(size);
  let at = 0;
  for (let i = 0; i < rows.length; i++) {
    const entries = sorted[i] as Int32Array | Uint8Array | null;
    if (entries instanceof Uint8Array) {
      bytes.set(entries, at);
      at += entries.length;
      continue;
    }
    bytes[at++] = HLL_FORMAT_SPARSE;
    if (entries === null) at = writeEntry(bytes, at, rows[i]!.registers[0]!);
    else for (let k = 0; k < entries.length; k++) at = writeEntry(bytes, at, entries[k]!);
  }
  return { bytes, lengths };
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
