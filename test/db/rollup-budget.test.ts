import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { LinkRollups } from '../../src/adapters/db/link-rollups.sql.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { engines } from '../support/engines.js';
import { click } from './analytics-fixtures.js';
import { buildLink, createUser } from './fixtures.js';

const HOUR = 3_600_000;
/** More closed hours than one page of stale buckets (200) and than the old fixed count (24). */
const HOURS = 260;

for (const engine of engines) {
  describe(`rollup passes' budget on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    const first = Date.UTC(2026, 1, 2);
    const now = first + (HOURS + 2) * HOUR;
    const stale = async () => Number((await sql<{ n: number }>`select count(*) as n from click_link_rollups
      where workspace_id = ${workspaceId} and stale`.execute(db)).rows[0]!.n);

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      workspaceId = (await createUser(db)).workspaceId;
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(db).insertMany([link]);
      await new SqlClickStore(db).ingest(Array.from({ length: HOURS }, (_, h) => click(workspaceId, link.id, first + h * HOUR + 1000)));
    });
    after(async () => { await handle.close(); });

    it('a run rolls at least one bucket, stops at its limit, and otherwise rolls every closed one, page after page', async () => {
      assert.equal(await stale(), HOURS);
      const rollups = new LinkRollups(db);
      assert.equal(await rollups.run(now, { budgetMs: 0 }), 1, 'a spent time budget still lets one through');
      assert.equal(await rollups.run(now, { limit: 5 }), 5);
      assert.equal(await rollups.run(now), HOURS - 6, 'no fixed count: the default 30 s budget covers them all');
      assert.equal(await rollups.run(now), 0);
      assert.equal(await stale(), 0);
    });
  });
}
