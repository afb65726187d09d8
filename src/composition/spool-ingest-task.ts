/**
 * Embedded click ingest, wired on the PGlite thread (loaded there as its task, see
 * PGliteThreadData.task). Each run reads a batch from the click spool, enriches and stores it
 * in one transaction with PGlite in the same thread, records the spool position, and returns
 * what the serving thread needs: the stored events (its listeners: live events, webhooks,
 * milestones) and the clicks stored per link (its pending counts).
 *
 * Running here keeps enrichment, SQL building and the row traffic off the serving thread,
 * and lets the thread's lower priority decide when ingest runs: under a burst of redirects
 * the spool grows, and ingest catches up as the CPU frees.
 */
import { Kysely } from 'kysely';
import { ClickSpoolReader } from '../adapters/clicks/click-spool-reader.js';
import { DefaultClickEnricher } from '../adapters/clicks/click-enricher.js';
import { SqlClickStore } from '../adapters/db/click-store.sql.js';
import type { PGliteClient } from '../adapters/db/pglite-client.js';
import { PGliteDialect } from '../adapters/db/pglite-dialect.js';
import type { Database } from '../adapters/db/schema.js';
import { SqlVisitorSalts } from '../adapters/db/visitor-salts.sql.js';
import { ClickIngest } from '../core/analytics/click-ingest.js';
import type { SpoolIngestInput, SpoolIngestOutput } from './spool-ingest.js';

export function createTask(client: PGliteClient, options: { spoolDir: string }): (input: unknown) => Promise<SpoolIngestOutput> {
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  const reader = new ClickSpoolReader(options.spoolDir);
  const ingest = new ClickIngest({ enricher: new DefaultClickEnricher(), store: new SqlClickStore(db), salts: new SqlVisitorSalts(db) });
  return async (input) => {
    const { max, countFrom } = input as SpoolIngestInput;
    const batch = reader.read(max);
    const stored = await ingest.ingest(batch.clicks);
    if (batch.clicks.length > 0 || batch.skipped > 0) reader.commit(batch.next);
    const byLink = new Map<string, number>();
    batch.clicks.forEach((click, i) => {
      if (batch.segments[i]! >= countFrom) byLink.set(click.linkId, (byLink.get(click.linkId) ?? 0) + 1);
    });
    return { read: batch.clicks.length, skipped: batch.skipped, stored, byLink: [...byLink], more: batch.clicks.length >= max };
  };
}
