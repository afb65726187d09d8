import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import type { AnalyticsParams, AnalyticsResult, TimedCounts } from '../../src/core/analytics/analytics-query.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { DomainError } from '../../src/core/errors.js';
import { engines } from '../support/engines.js';
import { analyticsService, click, querier, visitor } from './analytics-fixtures.js';
import { buildLink, createUser } from './fixtures.js';

type Ask = (params: AnalyticsParams) => Promise<AnalyticsResult>;
const series = (result: AnalyticsResult) => (result.data as TimedCounts[]).map((d) => [d.time, d.clicks]);

for (const engine of engines) {
  describe(`analytics time series on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let store: SqlClickStore;

    /** A workspace of its own per scenario, so each one's expectations stand alone. */
    async function workspaceWith(make: (workspaceId: string, linkId: string) => ClickEvent[]): Promise<{ ask: Ask; linkId: string; workspaceId: string }> {
      const { workspaceId } = await createUser(db);
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(db).insertMany([link]);
      await store.ingest(make(workspaceId, link.id));
      return { ask: querier(analyticsService(db), workspaceId), linkId: link.id, workspaceId };
    }

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      store = new SqlClickStore(db);
    });
    after(async () => { await handle.close(); });

    it('puts a click at 23:30 UTC on the next local day in Berlin, the same day in UTC and New York; empty days are zero', async () => {
      const { ask } = await workspaceWith((ws, link) => [
        click(ws, link, '2026-11-23T23:30:00Z'),
        click(ws, link, '2026-11-23T23:40:00Z', { bot: true }),
      ]);
      const range = { groupBy: 'time', interval: 'day', from: '2026-11-22', to: '2026-11-26' };
      assert.deepEqual(series(await ask({ ...range })), [
        ['2026-11-22T00:00:00+00:00', 0], ['2026-11-23T00:00:00+00:00', 1], ['2026-11-24T00:00:00+00:00', 0], ['2026-11-25T00:00:00+00:00', 0]]);
      assert.deepEqual(series(await ask({ ...range, timezone: 'Europe/Berlin' })), [
        ['2026-11-22T00:00:00+01:00', 0], ['2026-11-23T00:00:00+01:00', 0], ['2026-11-24T00:00:00+01:00', 1], ['2026-11-25T00:00:00+01:00', 0]]);
      assert.deepEqual(series(await ask({ ...range, timezone: 'America/New_York' })), [
        ['2026-11-22T00:00:00-05:00', 0], ['2026-11-23T00:00:00-05:00', 1], ['2026-11-24T00:00:00-05:00', 0], ['2026-11-25T00:00:00-05:00', 0]]);
      const withBots = await ask({ ...range, timezone: 'Europe/Berlin', bots: 'include' });
      assert.deepEqual(withBots.data.map((d) => d.clicks), [0, 0, 2, 0]);
      assert.deepEqual(withBots.total, { clicks: 2, visitors: 1 });
    });

    it('follows DST: 23- and 25-hour days, skipped and repeated hours', async () => {
      const { ask, linkId } = await workspaceWith((ws, link) => [
        click(ws, link, '2026-03-22T23:30:00Z', { visitorId: visitor(1) }), // Mon 23 Mar 00:30 CET
        click(ws, link, '2026-03-28T23:30:00Z', { visitorId: visitor(2) }), // Sun 29 Mar 00:30 CET
        click(ws, link, '2026-03-29T21:30:00Z', { visitorId: visitor(3) }), // Sun 29 Mar 23:30 CEST
        click(ws, link, '2026-03-29T22:30:00Z', { visitorId: visitor(4) }), // Mon 30 Mar 00:30 CEST
        click(ws, link, '2026-10-25T00:30:00Z', { visitorId: visitor(5) }), // 02:30 CEST
        click(ws, link, '2026-10-25T01:30:00Z', { visitorId: visitor(6) }), // 02:30 CET, an hour later
        click(ws, link, '2026-01-31T23:30:00Z', { visitorId: visitor(7) }), // 1 Feb 00:30 CET
      ]);
      const berlin = { groupBy: 'time', timezone: 'Europe/Berlin' };
      assert.deepEqual(series(await ask({ ...berlin, interval: 'day', from: '2026-03-28', to: '2026-03-31' })), [
        ['2026-03-28T00:00:00+01:00', 0], ['2026-03-29T00:00:00+01:00', 2], ['2026-03-30T00:00:00+02:00', 1]]);
      assert.deepEqual(series(await ask({ ...berlin, interval: 'hour', from: '2026-03-29T00:00', to: '2026-03-29T04:00' })), [
        ['2026-03-29T00:00:00+01:00', 1], ['2026-03-29T01:00:00+01:00', 0], ['2026-03-29T03:00:00+02:00', 0]]);
      assert.deepEqual(series(await ask({ ...berlin, interval: 'hour', from: '2026-10-25T01:00', to: '2026-10-25T04:00' })), [
        ['2026-10-25T01:00:00+02:00', 0], ['2026-10-25T02:00:00+02:00', 1], ['2026-10-25T02:00:00+01:00', 1], ['2026-10-25T03:00:00+01:00', 0]]);
      assert.deepEqual(series(await ask({ ...berlin, interval: 'day', from: '2026-10-25', to: '2026-10-26' })), [['2026-10-25T00:00:00+02:00', 2]]);
      // Weeks start on Monday; the first DST week has 167 hours and is read from daily and hourly rows.
      assert.deepEqual(series(await ask({ ...berlin, interval: 'week', from: '2026-03-23', to: '2026-04-06' })), [
        ['2026-03-23T00:00:00+01:00', 3], ['2026-03-30T00:00:00+02:00', 1]]);
      assert.deepEqual(series(await ask({ groupBy: 'time', interval: 'week', from: '2026-03-23', to: '2026-04-06' })), [
        ['2026-03-23T00:00:00+00:00', 3], ['2026-03-30T00:00:00+00:00', 0]]);
      assert.deepEqual(series(await ask({ groupBy: 'time', interval: 'month', from: '2026-01-01', to: '2026-04-01' })), [
        ['2026-01-01T00:00:00+00:00', 1], ['2026-02-01T00:00:00+00:00', 0], ['2026-03-01T00:00:00+00:00', 4]]);
      assert.deepEqual(series(await ask({ ...berlin, interval: 'month', from: '2026-01-01', to: '2026-04-01' })), [
        ['2026-01-01T00:00:00+01:00', 0], ['2026-02-01T00:00:00+01:00', 1], ['2026-03-01T00:00:00+01:00', 4]]);
      // The same series from one link's hourly rows (a link filter cannot use the workspace's daily rows).
      const filtered = await ask({ ...berlin, interval: 'week', from: '2026-03-23', to: '2026-04-06', link: linkId });
      assert.deepEqual(series(filtered), [['2026-03-23T00:00:00+01:00', 3], ['2026-03-30T00:00:00+02:00', 1]]);
      assert.deepEqual(filtered.total, { clicks: 4, visitors: 4 });
    });

    it('counts minutes and +05:30 zones from raw clicks, visitors exactly', async () => {
      const { ask } = await workspaceWith((ws, link) => [
        click(ws, link, '2026-11-23T10:00:10Z', { visitorId: visitor(1) }),
        click(ws, link, '2026-11-23T10:00:50Z', { visitorId: visitor(2) }),
        click(ws, link, '2026-11-23T10:02:30Z', { visitorId: visitor(1) }),
        click(ws, link, '2026-11-23T18:15:00Z', { visitorId: visitor(3) }), // 23:45 IST on the 23rd
        click(ws, link, '2026-11-23T18:45:00Z', { visitorId: visitor(3) }), // 00:15 IST on the 24th
        click(ws, link, '2026-11-23T18:50:00Z', { visitorId: visitor(4), bot: true }),
      ]);
      const minutes = await ask({ groupBy: 'time', interval: 'minute', from: '2026-11-23T10:00:00Z', to: '2026-11-23T10:05:00Z' });
      assert.deepEqual(minutes.data, [
        { time: '2026-11-23T10:00:00+00:00', clicks: 2, visitors: 2 }, { time: '2026-11-23T10:01:00+00:00', clicks: 0, visitors: 0 },
        { time: '2026-11-23T10:02:00+00:00', clicks: 1, visitors: 1 }, { time: '2026-11-23T10:03:00+00:00', clicks: 0, visitors: 0 },
        { time: '2026-11-23T10:04:00+00:00', clicks: 0, visitors: 0 }]);
      assert.deepEqual(minutes.total, { clicks: 3, visitors: 2 });
      const kolkata = await ask({ groupBy: 'time', interval: 'minute', timezone: 'Asia/Kolkata', from: '2026-11-23T15:30', to: '2026-11-23T15:33' });
      assert.deepEqual(series(kolkata), [['2026-11-23T15:30:00+05:30', 2], ['2026-11-23T15:31:00+05:30', 0], ['2026-11-23T15:32:00+05:30', 1]]);
      const days = await ask({ groupBy: 'time', timezone: 'Asia/Kolkata', from: '2026-11-23', to: '2026-11-25' });
      assert.deepEqual(series(days), [['2026-11-23T00:00:00+05:30', 4], ['2026-11-24T00:00:00+05:30', 1]]);
      assert.deepEqual(days.total, { clicks: 5, visitors: 3 });
      const bots = await ask({ groupBy: 'time', timezone: 'Asia/Kolkata', from: '2026-11-23', to: '2026-11-25', bots: 'only' });
      assert.deepEqual(series(bots), [['2026-11-23T00:00:00+05:30', 0], ['2026-11-24T00:00:00+05:30', 1]]);
      // Hourly rollups cannot split 18:15 from 18:45 UTC; the raw clicks can.
      const hours = await ask({ groupBy: 'time', interval: 'hour', timezone: 'Asia/Kolkata', from: '2026-11-23T23:00', to: '2026-11-24T01:00' });
      assert.deepEqual(series(hours), [['2026-11-23T23:00:00+05:30', 1], ['2026-11-24T00:00:00+05:30', 1]]);
    });

    it('refuses raw-click series older than the retention', async () => {
      const { workspaceId } = await workspaceWith(() => []);
      const now = () => new Date('2026-12-01T00:00:00Z');
      const service = analyticsService(db, 7, now);
      const ask = querier(service, workspaceId);
      await assert.rejects(ask({ groupBy: 'time', timezone: 'Asia/Kolkata', from: '2026-11-01' }), (e: DomainError) =>
        e.code === 'validation-failed' && e.fieldErrors[0]?.pointer === '/query/from');
      assert.equal((await ask({ groupBy: 'time', timezone: 'Asia/Kolkata', from: '2026-11-28' })).data.length, 4);
      assert.equal((await ask({ groupBy: 'time', timezone: 'Europe/Berlin', from: '2026-01-01' })).data.length, 335, 'rollups are kept');
    });
  });
}
