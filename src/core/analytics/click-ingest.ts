import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CapturedClick, ClickEnricher, ClickEvent } from './click.js';
import type { ClickListener, ClickSink, ClickStore, VisitorSalts } from './ports.js';
import { DAY_MS } from '../time-units.js';

/**
 * Clicks per ingest transaction (buffer flushes, stream chunks, seeding). Larger batches write
 * fewer rollup rows per click: a workspace's popular values (country=US, device=mobile, …)
 * get one row update per batch whatever its size, and their visitor sketches are the big
 * values. Measured on PostgreSQL: 0.79 rollup rows per click at 5,000, 0.43 at 20,000, and the
 * rollup writes' time per click halved; a batch stays ~20 MB of events at most.
 */
export const INGEST_BATCH = 20_000;

/** Clicks enriched between two looks at the event loop (~2 ms of CPU): the batch being written meanwhile waits for those looks. */
const ENRICH_SLICE = 250;

/**
 * Turns captured clicks into stored click events: the day's salt, enrichment, one storage
 * transaction, then the listeners hear of the clicks that were new. Used by the in-process
 * buffer directly, and by the stream consumer when clicks pass through Redis.
 *
 * Calls may overlap: a batch is enriched and prepared (Node's CPU) while the batch before it
 * is written (the database's), and the writes take turns: one transaction at a time per
 * process, in the order the batches finished preparing. Callers that hand over the next batch
 * before the previous one is stored keep both the process and PostgreSQL busy; two writes at
 * once would only wait on each other's rollup row locks.
 */
export class ClickIngest implements ClickSink {
  private readonly salts = new Map<number, Promise<Uint8Array>>();
  private readonly listeners: ClickListener[] = [];
  /** Settles when the last write handed to the store has: the next one waits for it. */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: { enricher: ClickEnricher; store: ClickStore; salts: VisitorSalts }) {}

  onClicks(listener: ClickListener): void {
    this.listeners.push(listener);
  }

  async write(batch: CapturedClick[]): Promise<void> {
    await this.ingest(batch);
  }

  /** Returns the events that were stored now (redelivered ones are left out). */
  ingest(batch: readonly CapturedClick[]): Promise<ClickEvent[]> {
    return this.ingestPieces([batch]);
  }

  /**
   * The same for a batch handed over in pieces that are produced as they are read (the stream
   * consumer decodes one stream entry per piece): each piece's captured clicks can be collected
   * once enriched, instead of the whole batch's surviving its enrichment. Decoded all at once,
   * a batch's 20,000 captured clicks outlived two young-generation collections and were copied
   * twice (garbage collection was 15-23% of ingest's main-thread time, session 13).
   */
  async ingestPieces(pieces: Iterable<readonly CapturedClick[]>): Promise<ClickEvent[]> {
    const salts = new Map<number, Uint8Array>();
    const events: ClickEvent[] = [];
    let sinceLook = 0;
    for (const piece of pieces) {
      for (const click of piece) {
        const day = Math.floor(click.at / DAY_MS);
        let salt = salts.get(day);
        if (salt === undefined) salts.set(day, (salt = await this.saltFor(day)));
        events.push(this.deps.enricher.enrich(click, salt));
        if (++sinceLook === ENRICH_SLICE) {
          sinceLook = 0;
          await nextTurn();
        }
      }
    }
    if (events.length === 0) return [];
    const prepared = await this.deps.store.prepare(events);
    const stored = await this.inTurn(() => this.deps.store.write(prepared));
    this.announce(stored);
    return stored;
  }

  /** Tells the listeners of stored clicks: this ingest's, or another thread's (embedded spool ingest). */
  announce(stored: readonly ClickEvent[]): void {
    if (stored.length === 0) return;
    for (const listener of this.listeners) {
      try { listener(stored); } catch { /* a listener's failure must not fail the ingest */ }
    }
  }

  /** Runs `write` once every write handed over before it has settled (stored or failed). */
  private inTurn<T>(write: () => Promise<T>): Promise<T> {
    const result = this.writing.then(write);
    this.writing = result.catch(() => {});
    return result;
  }

  private saltFor(day: number): Promise<Uint8Array> {
    let salt = this.salts.get(day);
    if (!salt) {
      salt = this.deps.salts.saltFor(day);
      salt.catch(() => this.salts.delete(day));
      this.salts.set(day, salt);
      // Only the last few days matter; older salts are dropped so they can no longer be used.
      for (const known of this.salts.keys()) if (known < day - 2) this.salts.delete(known);
    }
    return salt;
  }
}
