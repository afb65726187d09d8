import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ClickPartitions } from '../../src/adapters/db/click-partitions.sql.js';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import { DailyRollups } from '../../src/adapters/db/period-rollups.sql.js';
import { LinkRollups } from '../../src/adapters/db/link-rollups.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlVisitorSalts } from '../../src/adapters/db/visitor-salts.sql.js';
import { HLL_STANDARD_ERROR, VisitorSketch } from '../../src/core/analytics/hll.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { buildClick, distinctVisitorId, randomVisitorId } from '../support/clicks.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const click = buildClick;

for (const engine of engines) {
  describe(`SqlClickStore on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    let store: SqlClickStore;

    async function newLink(): Promise<string> {
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(db).insertMany([link]);
      return link.id;
    }
    async function rollup(table: 'click_rollups_hourly' | 'click_rollups_daily', linkId: string, dimension: string, value: string, bot = false) {
      const rows = await db.selectFrom(table).select(['clicks', 'visitors'])
        .where('workspace_id', '=', workspaceId).where('link_id', '=', linkId).where('dimension', '=', dimension)
        .where('value', '=', value).where('bot', '=', bot).execute();
      const sketch = VisitorSketch.empty();
      for (const row of rows) sketch.mergeStored(row.visitors);
      return { clicks: rows.reduce((sum, r) => sum + r.clicks, 0), visitors: sketch.estimate(), rows: rows.length };
    }

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      workspaceId = (await createUser(db)).workspaceId;
      store = new SqlClickStore(db);
    });
    after(async () => { await handle.close(); });

    it('stores raw clicks, rollups and the link counter in one go; a redelivered batch counts nothing', async () => {
      const linkId = await newLink();
      const now = Date.now();
      // Distinct registers: the exact visitor counts below would read 3 if two random ids collided.
      const at = (fields: Partial<ClickEvent>) => click(workspaceId, linkId, now, { visitorId: distinctVisitorId(), ...fields });
      const batch = [
        at({ country: 'US', referrer: 'https://news.example/a', referrerHost: 'news.example' }),
        at({ country: 'US' }),
        at({ country: null }),
        at({ bot: true, device: 'bot' }),
      ];
      assert.equal((await store.ingest(batch)).length, 4);
      assert.equal((await store.ingest(batch)).length, 0, 'redelivery stores nothing');
      const mixed = [...batch.slice(0, 2), at({})];
      assert.deepEqual((await store.ingest(mixed)).map((e) => e.id), [mixed[2]!.id], 'only the new event of a mixed batch');

      const link = await db.selectFrom('links').select('clicks').where('id', '=', linkId).executeTakeFirstOrThrow();
      assert.equal(link.clicks, 5);
      assert.equal((await rollup('click_rollups_hourly', linkId, 'country', 'US')).rows, 0, 'per-link dimension rows wait for the pass');
      const hour = Math.floor(now / HOUR) * HOUR;
      assert.equal(await new LinkRollups(db).run(now), 0, 'the hour is not closed yet');
      assert.equal(await new LinkRollups(db).roll(workspaceId, hour), true);
      assert.equal(await new LinkRollups(db).roll(workspaceId, hour), false, 'already rolled, not stale');
      const raw = await db.selectFrom('clicks').select(({ fn }) => fn.countAll<number>().as('n')).where('link_id', '=', linkId).executeTakeFirstOrThrow();
      assert.equal(Number(raw.n), 5);
      assert.deepEqual(await rollup('click_rollups_hourly', linkId, '', ''), { clicks: 4, visitors: 4, rows: 1 });
      assert.deepEqual(await rollup('click_rollups_hourly', linkId, '', '', true), { clicks: 1, visitors: 1, rows: 1 });
      assert.equal((await rollup('click_rollups_hourly', linkId, 'country', 'US')).clicks, 2);
      assert.equal((await rollup('click_rollups_hourly', linkId, 'country', '')).clicks, 1, 'unknown country is value ""');
      assert.equal((await rollup('click_rollups_hourly', linkId, 'referrerHost', 'news.example')).clicks, 1);
      assert.equal((await rollup('click_rollups_hourly', linkId, 'device', 'bot', true)).clicks, 1);
      const day = Math.floor(now / DAY) * DAY;
      assert.equal((await rollup('click_rollups_daily', '', 'country', 'US')).rows, 0, 'daily rows wait for the day to close');
      assert.equal(await new DailyRollups(db).roll(workspaceId, day), true);
      assert.ok((await rollup('click_rollups_daily', '', 'country', 'US')).clicks >= 2, 'workspace level, daily');
      assert.deepEqual(await rollup('click_rollups_daily', linkId, '', ''), { clicks: 4, visitors: 4, rows: 1 }, 'per-link daily total');
    });

    it('stores every value as sent: quotes, backslashes, control characters, braces, commas, the word null, non-ASCII, empty', async () => {
      const linkId = await newLink();
      // Enrichment strips control characters, but the store must not depend on it (JSON spells a tab \t, an array literal
      // would read t; COPY's text format reads a backslash-N as null and a raw tab as the next column).
      const values = ['say "hi"', 'C:\\path\\', 'tab\there', 'two\nlines', 'cr\rhere', '\\N', '{a,b}', 'null', 'NULL', 'ünï 😀', '', ' spaced ', 'x\\"y'];
      let stored: ClickEvent | undefined;
      // One batch per escaping path: all values plain, then the ones JSON would escape mixed in (both by COPY), then
      // all of them beside an event stored before, which sends the batch through the INSERT of array literals.
      for (const [n, batch] of [values.filter((v) => !/["\\\t\n\r]/.test(v)), values, values].entries()) {
        const events = batch.map((v) => click(workspaceId, linkId, Date.now(), { utmCampaign: v, referrerHost: v, visitorId: randomVisitorId() }));
        if (n === 2) assert.deepEqual((await store.ingest([stored!, ...events])).map((e) => e.id), events.map((e) => e.id), 'all but the stored one');
        else assert.equal((await store.ingest(events)).length, events.length);
        stored = events[0];
        const rows = await db.selectFrom('clicks').select(['id', 'utm_campaign', 'referrer_host'])
          .where('id', 'in', events.map((e) => e.id)).execute();
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const e of events) {
          assert.equal(byId.get(e.id)?.utm_campaign, e.utmCampaign);
          assert.equal(byId.get(e.id)?.referrer_host, e.referrerHost);
        }
        const campaigns = await db.selectFrom('click_rollups_hourly').select(['value', 'clicks'])
          .where('workspace_id', '=', workspaceId).where('link_id', '=', '').where('dimension', '=', 'utmCampaign').execute();
        for (const v of batch) assert.ok(campaigns.some((r) => r.value === v), `rollup row for ${JSON.stringify(v)}`);
      }
    });

    it('a late click makes a rolled hour stale; the next pass rebuilds its per-link rows from raw clicks', async () => {
      const linkId = await newLink();
      const hour = (Math.floor(Date.now() / HOUR) - 3) * HOUR;
      const visitor = distinctVisitorId();
      await store.ingest([click(workspaceId, linkId, hour + 10, { country: 'FR', visitorId: visitor }), click(workspaceId, linkId, hour + 20, { country: 'FR', visitorId: visitor })]);
      const pass = new LinkRollups(db);
      assert.ok((await pass.run()) >= 1);
      assert.deepEqual(await rollup('click_rollups_hourly', linkId, 'country', 'FR'), { clicks: 2, visitors: 1, rows: 1 });
      const state = () => sql<{ stale: boolean }>`select stale from click_link_rollups where workspace_id = ${workspaceId} and bucket = ${new Date(hour).toISOString()}::timestamptz`.execute(db);
      assert.equal((await state()).rows[0]!.stale, false);
      await store.ingest([click(workspaceId, linkId, hour + 30, { country: 'FR' }), click(workspaceId, linkId, hour + 40, { country: 'IT' })]);
      assert.equal((await state()).rows[0]!.stale, true, 'the late clicks made it stale');
      assert.ok((await pass.run()) >= 1);
      assert.deepEqual(await rollup('click_rollups_hourly', linkId, 'country', 'FR'), { clicks: 3, visitors: 2, rows: 1 });
      assert.equal((await rollup('click_rollups_hourly', linkId, 'country', 'IT')).clicks, 1);
      assert.equal((await rollup('click_rollups_hourly', linkId, 'browser', 'Firefox')).clicks, 4, 'every dimension');
    });

    it('puts clicks in the hour and UTC day they happened, and creates day partitions on the way', async () => {
      const linkId = await newLink();
      const midnight = Math.floor(Date.now() / DAY) * DAY;
      await store.ingest([click(workspaceId, linkId, midnight - 1), click(workspaceId, linkId, midnight), click(workspaceId, linkId, midnight + HOUR + 5)]);
      const hours = await db.selectFrom('click_rollups_hourly').select(['bucket', 'clicks'])
        .where('link_id', '=', linkId).where('dimension', '=', '').orderBy('bucket').execute();
      assert.deepEqual(hours.map((h) => [new Date(h.bucket).getTime(), h.clicks]), [[midnight - HOUR, 1], [midnight, 1], [midnight + HOUR, 1]]);
      const days = new Date(midnight).toISOString().slice(0, 10).replaceAll('-', '');
      const parts = await sql<{ name: string }>`select relname as name from pg_class where relname = ${`clicks_p${days}`}`.execute(db);
      assert.equal(parts.rows.length, 1);
    });

    it('keeps visitor sketches within the HLL error bound as rows grow, compact and merge over batches', async () => {
      const linkId = await newLink();
      const at = Date.now();
      const visitors = Array.from({ length: 3000 }, randomVisitorId);
      // 6 batches, each visitor seen twice overall: the stored rows grow by appends and get compacted.
      for (let b = 0; b < 6; b++) {
        await store.ingest(visitors.slice((b % 3) * 1000, (b % 3) * 1000 + 1000).map((v) => click(workspaceId, linkId, at, { visitorId: v })));
      }
      const total = await rollup('click_rollups_hourly', linkId, '', '');
      assert.equal(total.clicks, 6000);
      assert.ok(Math.abs(total.visitors - 3000) <= 3000 * 3 * HLL_STANDARD_ERROR, `estimate ${total.visitors} for 3000 visitors`);
      const size = await sql<{ n: number; compression: string | null }>`select length(visitors) as n, pg_column_compression(visitors) as compression
        from click_rollups_hourly where link_id = ${linkId} and dimension = '' and bot = false`.execute(db);
      assert.ok(Number(size.rows[0]!.n) <= 8192, 'a grown row is compacted');
      assert.ok(Number(size.rows[0]!.n) > 4000, 'dense');
      // Migration 0013: rewritten every batch, a sketch is not worth pglz's time.
      assert.equal(size.rows[0]!.compression, null, 'stored uncompressed');
    });

    it('prunes raw clicks older than the cutoff by dropping partitions; rollups and counters stay', async () => {
      const linkId = await newLink();
      const today = Math.floor(Date.now() / DAY) * DAY;
      const old = today - 40 * DAY;
      await store.ingest([click(workspaceId, linkId, old), click(workspaceId, linkId, today + 1000)]);
      const partitions = new ClickPartitions(db);
      assert.ok((await partitions.prune(today - 30 * DAY)) >= 1);
      const raw = await db.selectFrom('clicks').select('at').where('link_id', '=', linkId).execute();
      assert.equal(raw.length, 1);
      assert.equal((await rollup('click_rollups_hourly', linkId, '', '')).clicks, 2);
    });

    it('gives every process the same salt for a day and a different one for another day', async () => {
      const day = Math.floor(Date.now() / DAY);
      const [a, b] = await Promise.all([new SqlVisitorSalts(db).saltFor(day), new SqlVisitorSalts(db).saltFor(day)]);
      assert.deepEqual(a, b);
      assert.equal(a.length, 32);
      assert.notDeepEqual(await new SqlVisitorSalts(db).saltFor(day + 1), a);
    });
  });
}
