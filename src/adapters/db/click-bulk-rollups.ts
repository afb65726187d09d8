import { RollupGroups, type RollupKey } from './rollup-groups.js';
import { HLL_FORMAT_SPARSE, HLL_REGISTERS, VisitorSketch } from '../../core/analytics/hll.js';

/** One rollup row of the bulk load: its key, clicks, and its visitors' packed registers (index << 8 | rank), repeats included. */
export interface BulkRollupRow extends RollupKey {
  registers: number[];
}

/** More set registers than this are stored dense (hll.ts: sparse would outgrow 4,097 bytes). */
const SPARSE_MAX = Math.floor(HLL_REGISTERS / 3);

/**
 * SqlClickStore's grouping for a one-time load: a row collects plain register numbers instead
 * of a VisitorSketch (a Map per row: most rows see one or two clicks, and at ~5 rows per click
 * the Maps were the load's largest cost in Node); the canonical sketch bytes are written once,
 * when the row is flushed (sketchBytes).
 */
export const newBulkRollups = () => new RollupGroups<BulkRollupRow>((key) => ({ ...key, registers: [] }), (row, register) => {
  row.clicks++;
  row.registers.push(register);
});

/**
 * The rows' sketches in canonical form (VisitorSketch.toBytes: sparse, ascending by index, one
 * entry per register with its highest rank; dense past SPARSE_MAX registers), back to back in one
 * buffer, with each one's length.
 */
export function sketchBytes(rows: readonly BulkRollupRow[]): { bytes: Buffer; lengths: number[] } {
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
      if (distinct > SPARSE_MAX) {
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
