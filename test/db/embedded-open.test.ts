import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Db } from '../../src/adapters/db/database.js';
import { pendingMigrations } from '../../src/adapters/db/migrator.js';
import { loadConfig } from '../../src/composition/config.js';
import { MIGRATIONS_DIR } from '../../src/composition/paths.js';
import { openDatabase } from '../../src/composition/root.js';
import { engines } from '../support/engines.js';

async function hasTrgm(db: Db): Promise<{ extension: boolean; index: boolean }> {
  const ext = await sql<{ n: number }>`select count(*)::int as n from pg_extension where extname = 'pg_trgm'`.execute(db);
  const idx = await sql<{ t: string | null }>`select to_regclass('links_search_idx')::text as t`.execute(db);
  return { extension: ext.rows[0]!.n > 0, index: idx.rows[0]?.t != null };
}

// Loading pg_trgm into PGlite slows the whole serving process (migration 0002), so a data dir
// is served without it: migrations run in a separate instance that has it.
describe('embedded data dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'curt-embedded-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = loadConfig({ CURT_DATA_DIR: dir });

  it('is migrated on first open and served without pg_trgm, search still working', async () => {
    for (const start of ['fresh', 'warm']) {
      const handle = await openDatabase(config);
      try {
        assert.deepEqual(await pendingMigrations(handle.db, MIGRATIONS_DIR), [], start);
        assert.deepEqual(await hasTrgm(handle.db), { extension: false, index: false }, start);
        const found = await sql<{ n: number }>`select count(*)::int as n from links where (slug || ' ' || url || ' ' || coalesce(title, '')) ilike '%x%'`.execute(handle.db);
        assert.equal(found.rows[0]!.n, 0);
      } finally {
        await handle.close();
      }
    }
  });
});

for (const engine of engines.filter((e) => e.name === 'postgres')) {
  describe('PostgreSQL', () => {
    it('keeps the trigram search index', async () => {
      const handle = await engine.open();
      try {
        assert.deepEqual(await hasTrgm(handle.db), { extension: true, index: true });
      } finally {
        await handle.close();
      }
    });
  });
}
