import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DefaultClickEnricher } from '../../src/adapters/clicks/click-enricher.js';
import { SyntheticClicks } from '../../src/adapters/clicks/synthetic/synthetic-clicks.js';
import { SqlClickBulkLoader } from '../../src/adapters/db/click-bulk-load.sql.js';
import { ClickLinkIndexes } from '../../src/adapters/db/click-link-indexes.sql.js';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import { DailyRollups, WeeklyRollups } from '../../src/adapters/db/period-rollups.sql.js';
import { LinkRollups } from '../../src/adapters/db/link-rollups.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { SqlVisitorSalts } from '../../src/adapters/db/visitor-salts.sql.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { ClickIngest } from '../../src/core/analytics/click-ingest.js';
import { ClickSeeder } from '../../src/core/analytics/click-seeding.js';
import { VisitorSketch } from '../../src/core/analytics/hll.js';
import { newId } from '../../src/core/ids.js';
import type { NewLink } from '../../src/core/links/ports.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Two hours across a UTC midnight: two days, and hours busy enough for dense sketches (> 1365 visitors) and compaction on the ingest side. */
const MIDNIGHT = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
const RANGE = { from: MIDNIGHT - HOUR, to: MIDNIGHT + HOUR };
const CLICKS = 5000;

/** Everything the two paths must agree on, read back in a fixed order. */
async function snapshot(db: Db) {
  const raw = await sql`select * from clicks order by id`.execute(db);
  const rollups = async (table: 'click_rollups_hourly' | 'click_rollups_daily' | 'click_rollups_weekly') => (await db.selectFrom(table).selectAll()
    .orderBy(sql`workspace_id collate "C"`).orderBy(sql`link_id collate "C"`).orderBy('dimension').orderBy('bucket').orderBy('bot').orderBy(sql`value collate "C"`)
    .execute()).map((r) => {
    const sketch = VisitorSketch.empty();
    sketch.mergeStored(r.visitors);
    return { key: [r.workspace_id, r.link_id, r.dimension, new Date(r.bucket).toISOString(), r.bot, r.value], clicks: r.clicks, registers: Buffer.from(sketch.toBytes()).toString('hex') };
  });
  const links = await db.selectFrom('links').select(['id', 'clicks']).orderBy('id').execute();
  return { raw: raw.rows, hourly: await rollups('click_rollups_hourly'), daily: await rollups('click_rollups_daily'), weekly: await rollups('click_rollups_weekly'), links };
}

/** Index definitions of the click tables and their partitions, and whether all are valid. */
async function indexes(db: Db) {
  const rows = await sql<{ name: string; definition: string; valid: boolean }>`
    select i.relname as name, pg_get_indexdef(x.indexrelid) as definition, x.indisvalid as valid
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relname like 'click%' order by i.relname`.execute(db);
  return rows.rows;
}

for (const engine of engines) {
  describe(`Seeding clicks on ${engine.name}`, () => {
    let bulkDb: DatabaseHandle;
    let ingestDb: DatabaseHandle;
    let events: ClickEvent[];

    /** The same user, workspace and links (same ids) in both databases. */
    async function sameLinks(): Promise<NewLink[]> {
      const userId = newId('usr');
      const workspaceId = newId('ws');
      for (const db of [bulkDb.db, ingestDb.db]) {
        await new SqlUserRepository(db).create({ id: userId, email: `${userId}@example.com`, passwordHash: null, isAdmin: false, personalWorkspace: { id: workspaceId, name: 'Seeded' } });
      }
      const links = Array.from({ length: 40 }, (_, i) => buildLink(workspaceId, { utm: i % 5 === 0 ? { source: 'newsletter', campaign: `c${i}` } : {} }));
      for (const db of [bulkDb.db, ingestDb.db]) await new SqlLinkRepository(db).insertMany(links);
      return links;
    }

    before(async () => {
      [bulkDb, ingestDb] = await Promise.all([engine.open(), engine.open()]);
      const links = await sameLinks();
      const source = new SyntheticClicks({ links, clicks: CLICKS, ...RANGE, seed: 7, visitors: 50_000 });
      const enricher = new DefaultClickEnricher();
      const salt = (at: number) => new Uint8Array(32).fill(Math.floor(at / DAY) % 251);
      events = [...source.batches(1000)].flat().map((c) => enricher.enrich(c, salt(c.at)));
    });
    after(async () => { await Promise.all([bulkDb?.close(), ingestDb?.close()]); });

    it('stores exactly what SqlClickStore.ingest stores: raw rows, rollup counts and sketch registers, links.clicks, indexes', async () => {
      const report = await new SqlClickBulkLoader(bulkDb.db).load(RANGE, async (sink) => {
        for (let i = 0; i < events.length; i += 700) await sink.write(events.slice(i, i + 700));
      });
      assert.equal(report?.clicks, CLICKS);
      const store = new SqlClickStore(ingestDb.db);
      for (let i = 0; i < events.length; i += 500) await store.ingest(events.slice(i, i + 500));
      // Ingest leaves per-link dimension rows to the background pass; roll every hour now.
      const rolled = await new LinkRollups(ingestDb.db).run(Date.now() + 7 * 86_400_000);
      assert.ok(rolled >= 2, `rolled ${rolled} hours`);
      // And daily rows to the daily pass (the bulk load writes them complete).
      assert.equal(await new DailyRollups(ingestDb.db).run(Date.now()), 2, 'two days rolled');
      // Weeks: the bulk load rolled the closed ones; what is still open (by the clock) is rolled here on both sides.
      for (const db of [bulkDb, ingestDb]) await new WeeklyRollups(db.db).run(Date.now() + 14 * DAY);
      const weeks = async (db: DatabaseHandle) => (await sql`select workspace_id, bucket, stale from click_week_rollups order by bucket`.execute(db.db)).rows;
      assert.deepEqual(await weeks(bulkDb), await weeks(ingestDb), 'the same weeks, all rolled');
      const states = async (db: DatabaseHandle) => (await db.db.selectFrom('click_link_rollups' as never).select(['workspace_id' as never, 'bucket' as never, 'stale' as never]).orderBy('bucket' as never).execute());
      assert.deepEqual(await states(bulkDb), await states(ingestDb), 'the bulk load marks its hours rolled');

      const [bulk, ingested] = [await snapshot(bulkDb.db), await snapshot(ingestDb.db)];
      assert.equal(bulk.raw.length, CLICKS);
      assert.deepEqual(bulk.raw, ingested.raw);
      assert.equal(bulk.hourly.length, ingested.hourly.length);
      assert.deepEqual(bulk.hourly, ingested.hourly);
      assert.deepEqual(bulk.daily, ingested.daily);
      assert.deepEqual(bulk.weekly, ingested.weekly);
      assert.ok(bulk.weekly.some((r) => r.key[1] === '' && r.key[2] === 'country') && bulk.weekly.some((r) => r.key[1] !== '' && r.key[2] === ''), 'weekly rows');
      assert.deepEqual(bulk.links, ingested.links);
      assert.equal(report?.hourlyRows, bulk.hourly.length);
      assert.ok(bulk.hourly.some((r) => r.registers.startsWith('02')), 'some sketch is dense');
      assert.equal(bulk.daily.filter((r) => r.key[1] === '' && r.key[2] === '' && !r.key[4]).length, 2, 'two UTC days');
      assert.ok(bulk.daily.some((r) => r.key[1] !== '' && r.key[2] === ''), 'per-link daily totals');

      // Closed days' per-link indexes: the bulk load builds them, the clicks.index-days job after ingest.
      assert.ok(await new ClickLinkIndexes(ingestDb.db).run() >= 1, 'the first seeded day is closed');
      const [bulkIndexes, ingestIndexes] = [await indexes(bulkDb.db), await indexes(ingestDb.db)];
      assert.deepEqual(bulkIndexes, ingestIndexes, 'indexes rebuilt as the migrations, partitions and the index job made them');
      assert.ok(bulkIndexes.length >= 3 + 3 * 3 && bulkIndexes.every((i) => i.valid));
    });

    it('leaves click tables that already hold clicks alone; the seeder then goes through ingest', async () => {
      let called = false;
      assert.equal(await new SqlClickBulkLoader(ingestDb.db).load(RANGE, async () => { called = true; }), null);
      assert.equal(called, false);

      const db = ingestDb.db;
      const enricher = new DefaultClickEnricher();
      const salts = new SqlVisitorSalts(db);
      const seeder = new ClickSeeder({ enricher, salts, ingest: new ClickIngest({ enricher, store: new SqlClickStore(db), salts }), bulk: new SqlClickBulkLoader(db) });
      const links = await db.selectFrom('links').select(['id', 'workspace_id as workspaceId', 'domain']).execute();
      const to = Date.now();
      const source = new SyntheticClicks({ links: links.map((l) => ({ ...l, utm: {} })), clicks: 300, from: to - DAY, to, seed: 8 });
      const report = await seeder.seed({ batches: source.batches(100), from: to - DAY, to, via: 'bulk' });
      assert.deepEqual([report.via, report.fellBack, report.clicks], ['ingest', true, 300]);
      const total = await db.selectFrom('links').select(({ fn }) => fn.sum<number>('clicks').as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(total.n), CLICKS + 300);
    });

    it('seeds a fresh database through the bulk load, with the daily salts, and reports it', async () => {
      const fresh = await engine.open();
      try {
        const db = fresh.db;
        const { workspaceId } = await createUser(db);
        const links = Array.from({ length: 10 }, () => buildLink(workspaceId));
        await new SqlLinkRepository(db).insertMany(links);
        const enricher = new DefaultClickEnricher();
        const salts = new SqlVisitorSalts(db);
        const seeder = new ClickSeeder({ enricher, salts, ingest: new ClickIngest({ enricher, store: new SqlClickStore(db), salts }), bulk: new SqlClickBulkLoader(db) });
        const to = Date.now();
        const source = new SyntheticClicks({ links, clicks: 400, from: to - 2 * DAY, to, seed: 9 });
        const progress: number[] = [];
        const report = await seeder.seed({ batches: source.batches(150), from: to - 2 * DAY, to, via: 'bulk', onProgress: (n) => progress.push(n) });
        assert.deepEqual([report.via, report.fellBack, report.clicks, progress.at(-1)], ['bulk', false, 400, 400]);
        const counts = await sql<{ raw: number; links: number; days: number }>`select (select count(*) from clicks) as raw,
          (select sum(clicks) from links) as links, (select count(*) from visitor_salts) as days`.execute(db);
        assert.deepEqual(counts.rows.map((r) => [Number(r.raw), Number(r.links)]), [[400, 400]]);
        assert.ok(Number(counts.rows[0]!.days) >= 1, 'salts come from the shared visitor_salts table');
      } finally {
        await fresh.close();
      }
    });
  });
}
