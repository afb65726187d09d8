import { DefaultClickEnricher } from '../adapters/clicks/click-enricher.js';
import { SqlClickBulkLoader } from '../adapters/db/click-bulk-load.sql.js';
import { SqlClickStore } from '../adapters/db/click-store.sql.js';
import type { DatabaseHandle } from '../adapters/db/database.js';
import { SqlVisitorSalts } from '../adapters/db/visitor-salts.sql.js';
import { ClickIngest } from '../core/analytics/click-ingest.js';
import { ClickSeeder } from '../core/analytics/click-seeding.js';

/**
 * `curt seed-clicks`: the production ingest and the bulk load, sharing one enricher and the
 * daily salts. Kept out of root.ts so that `curt serve` does not load the seeding code.
 */
export function buildClickSeeder(handle: DatabaseHandle): ClickSeeder {
  const enricher = new DefaultClickEnricher();
  const salts = new SqlVisitorSalts(handle.db);
  const ingest = new ClickIngest({ enricher, store: new SqlClickStore(handle.db), salts });
  return new ClickSeeder({ enricher, salts, ingest, bulk: new SqlClickBulkLoader(handle.db) });
}
