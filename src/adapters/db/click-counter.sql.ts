import { sql } from 'kysely';
import type { ClickCounter } from '../../core/redirect/ports.js';
import type { Db } from './database.js';

/**
 * Per-link click counts gathered in memory and added to links.clicks in one statement
 * per interval. A failed flush keeps its counts for the next one; close() flushes.
 * (The full click pipeline with events and rollups builds on this.)
 */
export class SqlClickCounter implements ClickCounter {
  private counts = new Map<string, number>();
  private inFlight = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly db: Db, private readonly intervalMs = 1000) {}

  start(): void {
    this.timer ??= setInterval(() => { this.flush().catch(() => {}); }, this.intervalMs);
    this.timer.unref();
  }

  record(linkId: string): void {
    this.counts.set(linkId, (this.counts.get(linkId) ?? 0) + 1);
  }

  pending(linkId: string): number {
    return (this.counts.get(linkId) ?? 0) + (this.inFlight.get(linkId) ?? 0);
  }

  /** Writes every click recorded before the call: waits out a running flush, then writes the rest. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => {});
    this.flushing = this.write().finally(() => { this.flushing = null; });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    this.inFlight = this.counts;
    this.counts = new Map();
    const ids = [...this.inFlight.keys()];
    const n = ids.map((id) => this.inFlight.get(id)!);
    try {
      await sql`update links set clicks = links.clicks + c.n
        from unnest(${ids}::text[], ${n}::bigint[]) as c(id, n) where links.id = c.id`.execute(this.db);
    } catch (error) {
      for (const [id, count] of this.inFlight) this.counts.set(id, (this.counts.get(id) ?? 0) + count);
      throw error;
    } finally {
      this.inFlight = new Map();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
