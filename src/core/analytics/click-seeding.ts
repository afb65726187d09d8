import type { CapturedClick, ClickEnricher, ClickEvent } from './click.js';
import type { ClickIngest } from './click-ingest.js';
import type { ClickBulkLoader, ClickBulkLoadReport, VisitorSalts } from './ports.js';
import { DAY_MS } from '../time-units.js';

/**
 * Clicks enriched between two yields to the event loop. The database's previous statement can
 * only be followed by the next one when Node gets to handle its completion: long synchronous
 * stretches would leave the database idle (measured: writing 200,000 clicks took 18.5 s without
 * these yields, 12.8 s with them).
 */
const YIELD_EVERY = 1000;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

export type SeedPath = 'bulk' | 'ingest';

export interface SeedRequest {
  /** Captured clicks in time order, in batches; the ingest path stores each batch in one ClickIngest.ingest call. */
  batches: Iterable<CapturedClick[]>;
  /** Epoch ms: every click is in [from, to). */
  from: number;
  to: number;
  via: SeedPath;
  /** Told the number of clicks stored so far, after each batch. */
  onProgress?: (stored: number) => void;
}

export interface SeedReport {
  /** The path actually taken: a bulk load falls back to ingest when clicks are already stored. */
  via: SeedPath;
  fellBack: boolean;
  clicks: number;
  ms: number;
  bulk?: ClickBulkLoadReport;
}

/**
 * Stores synthetic clicks (`curt seed-clicks`) by one of two paths:
 *  - ingest: the production path, ClickIngest (salt, enricher, SqlClickStore) batch by batch;
 *  - bulk: the same enricher and daily salts, then one bulk load (ClickBulkLoader), which
 *    needs empty click storage and otherwise falls back to ingest.
 * On the bulk path the sink returns before the database has written a batch, so generating
 * and enriching the next batch overlaps the database's work on this one.
 */
export class ClickSeeder {
  constructor(private readonly deps: { enricher: ClickEnricher; salts: VisitorSalts; ingest: ClickIngest; bulk: ClickBulkLoader }) {}

  async seed(request: SeedRequest): Promise<SeedReport> {
    const started = performance.now();
    if (request.via === 'bulk') {
      const bulk = await this.bulk(request);
      if (bulk) return { via: 'bulk', fellBack: false, clicks: bulk.clicks, ms: performance.now() - started, bulk };
    }
    let clicks = 0;
    for (const batch of request.batches) {
      clicks += (await this.deps.ingest.ingest(batch)).length;
      request.onProgress?.(clicks);
    }
    return { via: 'ingest', fellBack: request.via === 'bulk', clicks, ms: performance.now() - started };
  }

  private async bulk(request: SeedRequest): Promise<ClickBulkLoadReport | null> {
    // Every day's salt before the load starts: the load holds the database (PGlite has one connection).
    const salts = new Map<number, Uint8Array>();
    for (let day = Math.floor(request.from / DAY_MS); day * DAY_MS < request.to; day++) salts.set(day, await this.deps.salts.saltFor(day));
    return this.deps.bulk.load({ from: request.from, to: request.to }, async (sink) => {
      let stored = 0;
      for (const batch of request.batches) {
        const events: ClickEvent[] = [];
        for (let i = 0; i < batch.length; i++) {
          const click = batch[i]!;
          const salt = salts.get(Math.floor(click.at / DAY_MS));
          if (!salt) throw new RangeError(`click at ${new Date(click.at).toISOString()} is outside the seeded range`);
          events.push(this.deps.enricher.enrich(click, salt));
          if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
        }
        await sink.write(events);
        stored += events.length;
        request.onProgress?.(stored);
      }
    });
  }
}
