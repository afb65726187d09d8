import type { Counts } from '../../core/analytics/analytics-query.js';
import { HLL_FORMAT_DENSE, HLL_REGISTERS, VisitorSketch } from '../../core/analytics/hll.js';

/**
 * Stored bytes (3 per sparse entry) past which merging into a dense sketch beats the sparse
 * Map: ~340 entries, measured (a 4 KB array versus Map updates, ~5x faster per merge).
 */
const DENSE_AFTER = 1024;
/** An empty sketch in dense form (a valid stored value): merged first, it makes the target dense. */
const DENSE_ZERO = Uint8Array.from({ length: 1 + HLL_REGISTERS }, (_, i) => (i === 0 ? HLL_FORMAT_DENSE : 0));

/**
 * Clicks and the union of the visitor sketches of some rollup rows, read with mergeStored only
 * (stored values are appendable, see hll.ts). A sketch that will end up dense is made dense
 * before the bulk of its merges: array maxima instead of Map updates, ~5x faster for a 30-day
 * hourly series of a busy workspace.
 */
export class Tally {
  private clicks = 0;
  private bytes = 0;
  private readonly sketch = VisitorSketch.empty();

  add(clicks: number, visitors: Uint8Array): void {
    this.clicks += clicks;
    this.densifyPast(visitors.length);
    this.sketch.mergeStored(visitors);
  }

  addTally(other: Tally): void {
    this.clicks += other.clicks;
    this.densifyPast(other.bytes);
    this.sketch.merge(other.sketch);
  }

  counts(): Counts {
    return visitorsOf(this.clicks, this);
  }

  estimate(): number {
    return this.sketch.estimate();
  }

  private densifyPast(bytes: number): void {
    const before = this.bytes;
    this.bytes += bytes;
    if (before < DENSE_AFTER && this.bytes >= DENSE_AFTER) this.sketch.mergeStored(DENSE_ZERO);
  }
}

/** A key has at least one click per visitor: the estimate is capped by the exact click count. */
export function visitorsOf(clicks: number, tally: Tally | undefined): Counts {
  return { clicks, visitors: Math.min(clicks, tally ? tally.estimate() : 0) };
}
