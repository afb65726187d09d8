import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SqlClickExportReader } from '../../src/adapters/db/click-export-reader.sql.js';
import { ClickLinkIndexes } from '../../src/adapters/db/click-link-indexes.sql.js';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { buildClick, byTimeAndId } from '../support/clicks.js';
import { engines } from '../support/engines.js';
import { workspaceWithLinks } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const GRACE = 10 * 60_000;

for (const engine of engines) {
  describe(`ClickLinkIndexes on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    let links: string[];
    const events: ClickEvent[] = [];
    // Three days of clicks: the first two closed at `now`, the third open.
    const first = Date.UTC(2026, 2, 2);
    const today = first + 2 * DAY;
    const now = today + GRACE;

    /** Each clicks_p… partition's link index, if it has one, with its validity. */
    const indexes = async () => Object.fromEntries((await sql<{ partition: string; valid: boolean }>`
      select t.relname as partition, x.indisvalid as valid from pg_index x
      join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      where t.relname like 'clicks_p%' and i.relname = t.relname || '_link_at_idx' order by 1`.execute(db)).rows.map((r) => [r.partition, r.valid]));
    const linkClicks = (linkId: string) => events.filter((e) => e.linkId === linkId).sort(byTimeAndId);

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      ({ workspaceId, links } = await workspaceWithLinks(db, 3));
      for (let day = 0; day < 3; day++) {
        for (let n = 0; n < 30; n++) events.push(buildClick(workspaceId, links[n % 3]!, first + day * DAY + (n % 24) * HOUR + n));
      }
      await new SqlClickStore(db).ingest(events);
    });
    after(async () => { await handle.close(); });

    it('ingest leaves the per-link index out: no partition has one, and the parent table none either', async () => {
      assert.deepEqual(await indexes(), {});
      const parent = await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'clicks' order by 1`.execute(db);
      assert.deepEqual(parent.rows.map((r) => r.name), ['clicks_pkey', 'clicks_workspace_at_idx']);
    });

    it('indexes closed days once their grace is over, newest first, and never the open day', async () => {
      const runner = new ClickLinkIndexes(db, GRACE);
      assert.equal(await runner.run(now - 1), 1, 'the second day is still in its grace period');
      assert.deepEqual(await indexes(), { clicks_p20260302: true });
      assert.equal(await runner.run(now), 1);
      assert.deepEqual(await indexes(), { clicks_p20260302: true, clicks_p20260303: true });
      assert.equal(await runner.run(now + 5 * HOUR), 0, 'nothing left until the open day closes');
    });

    it('a per-link read of a closed day goes through its index; exports read the same rows as before', async () => {
      const plan = await db.connection().execute(async (c) => {
        await sql`set enable_seqscan = off`.execute(c);
        try {
          return (await sql<{ 'QUERY PLAN': string }>`explain select * from clicks where link_id = ${links[0]!}
            and at >= ${new Date(first).toISOString()}::timestamptz and at < ${new Date(today + DAY).toISOString()}::timestamptz`.execute(c)).rows
            .map((r) => r['QUERY PLAN']).join('\n');
        } finally {
          await sql`reset enable_seqscan`.execute(c);
        }
      });
      assert.match(plan, /clicks_p20260302_link_at_idx/);
      assert.match(plan, /clicks_p20260303_link_at_idx/);
      const reader = new SqlClickExportReader(db);
      for (const linkId of links) {
        const page = await reader.page({ workspaceId, linkId, from: new Date(first), to: new Date(today + DAY) }, null, 1000);
        assert.deepEqual(page.map((e) => e.id), linkClicks(linkId).map((e) => e.id), 'every click of the link, closed days and the open one');
      }
    });

    it('an index left invalid by a failed build is dropped and built again', async () => {
      await sql`update pg_index set indisvalid = false where indexrelid = 'clicks_p20260303_link_at_idx'::regclass`.execute(db);
      assert.deepEqual(await indexes(), { clicks_p20260302: true, clicks_p20260303: false });
      assert.equal(await new ClickLinkIndexes(db, GRACE).run(now), 1);
      assert.deepEqual(await indexes(), { clicks_p20260302: true, clicks_p20260303: true });
    });

    it('builds at least one index per run whatever the budget, and the rest in later runs', async () => {
      await sql`drop index clicks_p20260302_link_at_idx`.execute(db);
      await sql`drop index clicks_p20260303_link_at_idx`.execute(db);
      const runner = new ClickLinkIndexes(db, GRACE);
      assert.equal(await runner.run(now, 0), 1);
      assert.deepEqual(await indexes(), { clicks_p20260303: true }, 'the newest closed day first');
      assert.equal(await runner.run(now, 0), 1);
      assert.deepEqual(await indexes(), { clicks_p20260302: true, clicks_p20260303: true });
    });
  });
}
