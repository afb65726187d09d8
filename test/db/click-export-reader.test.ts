import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqlClickExportReader } from '../../src/adapters/db/click-export-reader.sql.js';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import type { ClickExportRange, ClickPosition } from '../../src/core/analytics/click-export.js';
import { buildClick as click, byTimeAndId } from '../support/clicks.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser } from './fixtures.js';

const HOUR = 3_600_000;

for (const engine of engines) {
  describe(`SqlClickExportReader on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let reader: SqlClickExportReader;
    let workspaceId: string;
    let otherWorkspaceId: string;
    let linkA: string;
    let linkB: string;
    let otherLink: string;
    const base = Math.floor(Date.now() / HOUR) * HOUR - 5 * HOUR;
    const mine: ClickEvent[] = [];

    /** Every page, as the export service reads them. */
    async function readAll(range: ClickExportRange, pageSize: number): Promise<{ rows: ClickEvent[]; pages: number }> {
      const rows: ClickEvent[] = [];
      let after: ClickPosition | null = null;
      let pages = 0;
      for (;;) {
        const page = await reader.page(range, after, pageSize);
        pages++;
        assert.ok(page.length <= pageSize);
        rows.push(...page);
        if (page.length < pageSize) return { rows, pages };
        after = { at: page.at(-1)!.at, id: page.at(-1)!.id };
      }
    }
    const range = (fields: Partial<ClickExportRange> = {}): ClickExportRange =>
      ({ workspaceId, linkId: null, from: new Date(base - HOUR), to: new Date(base + 10 * HOUR), ...fields });

    before(async () => {
      handle = await engine.open();
      reader = new SqlClickExportReader(handle.db);
      workspaceId = (await createUser(handle.db)).workspaceId;
      otherWorkspaceId = (await createUser(handle.db)).workspaceId;
      const links = [buildLink(workspaceId), buildLink(workspaceId), buildLink(otherWorkspaceId)];
      await new SqlLinkRepository(handle.db).insertMany(links);
      [linkA, linkB, otherLink] = links.map((l) => l.id) as [string, string, string];
      // 7 clicks share one instant (ties broken by id), the rest spread over hours; both links.
      for (let i = 0; i < 7; i++) mine.push(click(workspaceId, i % 2 ? linkA : linkB, base + HOUR));
      for (let i = 0; i < 6; i++) mine.push(click(workspaceId, i % 2 ? linkA : linkB, base + i * HOUR + i, { referrer: `https://r${i}.example/`, utmSource: 'news' }));
      mine.push(click(workspaceId, linkA, base + 2 * HOUR, { country: null, device: null, browser: null, os: null, language: null, bot: true }));
      const store = new SqlClickStore(handle.db);
      await store.ingest(mine);
      await store.ingest([click(otherWorkspaceId, otherLink, base + HOUR), click(otherWorkspaceId, otherLink, base + 2 * HOUR)]);
    });
    after(() => handle.close());

    it('reads every click exactly once, in (at, id) order, across pages that split equal timestamps', async () => {
      const expected = [...mine].sort(byTimeAndId);
      for (const pageSize of [1, 2, 3, 5, 100]) {
        const { rows, pages } = await readAll(range(), pageSize);
        assert.deepEqual(rows.map((r) => r.id), expected.map((e) => e.id), `page size ${pageSize}`);
        assert.equal(pages, Math.floor(expected.length / pageSize) + 1);
      }
    });

    it('returns the stored click event, field for field', async () => {
      const { rows } = await readAll(range(), 100);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const event of mine) assert.deepEqual(byId.get(event.id), event);
    });

    it('keeps to from (inclusive) and to (exclusive)', async () => {
      const from = new Date(base + HOUR);
      const to = new Date(base + 3 * HOUR + 3);
      const expected = mine.filter((e) => e.at >= from && e.at < to).sort(byTimeAndId);
      assert.ok(expected.length > 0 && expected.length < mine.length);
      const { rows } = await readAll(range({ from, to }), 2);
      assert.deepEqual(rows.map((r) => r.id), expected.map((e) => e.id));
      assert.ok(rows.some((r) => r.at.getTime() === from.getTime()), 'from is inclusive');
      assert.ok(mine.some((e) => e.at.getTime() === to.getTime()) && !rows.some((r) => r.at.getTime() === to.getTime()), 'to is exclusive');
    });

    it('filters by link', async () => {
      const { rows } = await readAll(range({ linkId: linkA }), 2);
      assert.deepEqual(rows.map((r) => r.id), mine.filter((e) => e.linkId === linkA).sort(byTimeAndId).map((e) => e.id));
    });

    it('never returns another workspace\'s clicks, even for its link id', async () => {
      const { rows } = await readAll(range(), 100);
      assert.ok(rows.every((r) => r.workspaceId === workspaceId));
      assert.deepEqual((await readAll(range({ linkId: otherLink }), 100)).rows, []);
      const theirs = await readAll(range({ workspaceId: otherWorkspaceId }), 100);
      assert.equal(theirs.rows.length, 2);
      assert.ok(theirs.rows.every((r) => r.workspaceId === otherWorkspaceId));
    });
  });
}
