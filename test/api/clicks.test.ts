import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import { CLICK_COLUMNS } from '../../src/http/click-presenter.js';
import { buildClick, byTimeAndId } from '../support/clicks.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A strict RFC 4180 reader: quoted fields, doubled quotes, CRLF after every record. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') { field += '"'; i++; } else quoted = false;
    } else if (c === '"') {
      assert.equal(field, '', 'a quote only opens a field');
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      assert.ok(c !== '\r' && c !== '\n', 'line breaks appear only quoted or as CRLF record ends');
      field += c;
    }
  }
  assert.ok(!quoted && field === '' && row.length === 0, 'the text ends with a complete record');
  return rows;
}

for (const engine of engines) {
  describe(`GET /clicks (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let b: Tenant;
    let linkA: string;
    let linkA2: string;
    let linkB: string;
    let recent: ClickEvent[];
    let old: ClickEvent;
    let tricky: ClickEvent;
    const now = Date.now();

    const get = (query: string, key?: string) => t.curt.app.inject({ url: `/api/v1/clicks${query}`, headers: bearer(key ?? a.key) });
    const link = async (tenant: Tenant) => (await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(tenant.key), payload: { url: 'https://example.com/' } })).json().id as string;
    const ndjson = (body: string) => {
      assert.ok(body === '' || body.endsWith('\n'));
      return body.split('\n').slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    };
    const problemOf = (res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) => {
      assert.equal(res.statusCode, status);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      assert.equal(res.json().code, code);
      return res.json();
    };

    before(async () => {
      // Pages of 3 rows: every export below spans several pages.
      t = await startCurt(engine, {}, { clickExportPageSize: 3 });
      a = await createTenant(t, 'a');
      b = await createTenant(t, 'b');
      [linkA, linkA2, linkB] = [await link(a), await link(a), await link(b)];
      const tie = now - 2 * HOUR;
      tricky = buildClick(a.workspaceId, linkA, now - 3 * HOUR, {
        referrer: 'https://x.example/?q=a,b&say="hi"', referrerHost: 'x.example', country: null, device: null, language: null,
        utmSource: '=HYPERLINK("https://evil.example","x")', utmMedium: '+1+2', utmTerm: '-3', utmContent: '@SUM(A1)',
        utmCampaign: 'two\r\nlines', browser: '\tTabbed', os: '\rReturn', domain: 'go.example', bot: true,
      });
      recent = [
        ...Array.from({ length: 4 }, (_, i) => buildClick(a.workspaceId, i % 2 ? linkA : linkA2, tie)),
        ...Array.from({ length: 4 }, (_, i) => buildClick(a.workspaceId, i % 2 ? linkA : linkA2, now - (i + 5) * HOUR)),
        tricky,
      ].sort(byTimeAndId);
      old = buildClick(a.workspaceId, linkA, now - 40 * DAY);
      const future = buildClick(a.workspaceId, linkA, now + HOUR);
      await new SqlClickStore(t.handle.db).ingest([...recent, old, future, buildClick(b.workspaceId, linkB, now - HOUR), buildClick(b.workspaceId, linkB, now - 2 * HOUR)]);
    });
    after(() => t.close());

    it('streams NDJSON: the last 30 days up to now, oldest first, one Click per line, over several pages', async () => {
      const res = await get('');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/x-ndjson; charset=utf-8');
      assert.match(String(res.headers['content-disposition']), new RegExp(`^attachment; filename="clicks-${a.workspaceId}-\\d{8}T\\d{6}Z-\\d{8}T\\d{6}Z\\.ndjson"$`));
      assert.equal(res.headers['cache-control'], 'private, no-store');
      const rows = ndjson(res.body);
      assert.deepEqual(rows.map((r) => r.id), recent.map((c) => c.id), 'default range: not 40 days ago, not in the future');
      for (const row of rows) assert.deepEqual(Object.keys(row), [...CLICK_COLUMNS], 'exactly the documented fields, no workspace, no IP');
      const first = recent[0]!;
      assert.deepEqual(rows[0], {
        id: first.id, at: first.at.toISOString(), linkId: first.linkId, domain: 'localhost:8080', referrer: null, referrerHost: null,
        country: 'DE', device: 'desktop', browser: 'Firefox', os: 'Linux', language: 'de', utmSource: null, utmMedium: null,
        utmCampaign: null, utmTerm: null, utmContent: null, bot: false, visitorId: first.visitorId,
      });
      const raw = rows.find((r) => r.id === tricky.id)!;
      assert.equal(raw.utmSource, tricky.utmSource, 'NDJSON carries values unchanged');
      assert.equal(raw.domain, 'go.example');
    });

    it('streams CSV: a header row, RFC 4180 quoting, and no cell a spreadsheet would run as a formula', async () => {
      const res = await get('?format=csv');
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'text/csv; charset=utf-8');
      assert.match(String(res.headers['content-disposition']), /^attachment; filename="clicks-[^"]+\.csv"$/);
      const [header, ...rows] = parseCsv(res.body);
      assert.deepEqual(header, [...CLICK_COLUMNS]);
      assert.deepEqual(rows.map((r) => r[0]), recent.map((c) => c.id));
      const cells = Object.fromEntries(CLICK_COLUMNS.map((c, i) => [c, rows.find((r) => r[0] === tricky.id)![i]]));
      assert.equal(cells.referrer, 'https://x.example/?q=a,b&say="hi"');
      assert.equal(cells.utmCampaign, 'two\r\nlines');
      assert.equal(cells.utmSource, '\'=HYPERLINK("https://evil.example","x")');
      assert.equal(cells.utmMedium, '\'+1+2');
      assert.equal(cells.utmTerm, '\'-3');
      assert.equal(cells.utmContent, '\'@SUM(A1)');
      assert.equal(cells.browser, '\'\tTabbed');
      assert.equal(cells.os, '\'\rReturn');
      assert.deepEqual([cells.country, cells.device, cells.language, cells.bot, cells.at], ['', '', '', 'true', tricky.at.toISOString()]);
      assert.match(res.body, /,"'=HYPERLINK\(""https:\/\/evil\.example"",""x""\)",/, 'quotes doubled inside a quoted field');
    });

    it('filters by link and by from (inclusive) and to (exclusive)', async () => {
      const onlyA = ndjson((await get(`?link=${linkA}`)).body);
      assert.deepEqual(onlyA.map((r) => r.id), recent.filter((c) => c.linkId === linkA).map((c) => c.id));
      const from = old.at.toISOString();
      const to = new Date(now - 2 * HOUR).toISOString();
      const window = ndjson((await get(`?link=${linkA}&from=${from}&to=${to}`)).body);
      assert.deepEqual(window.map((r) => r.id), [old, ...recent].filter((c) => c.linkId === linkA && c.at.getTime() < now - 2 * HOUR).map((c) => c.id));
      assert.equal(window[0]!.id, old.id);
    });

    it('an empty export is nothing in NDJSON and a header row in CSV', async () => {
      const query = `?from=${new Date(now - 39 * DAY).toISOString()}&to=${new Date(now - 38 * DAY).toISOString()}`;
      const json = await get(query);
      assert.equal(json.statusCode, 200);
      assert.equal(json.body, '');
      assert.equal((await get(`${query}&format=csv`)).body, `${CLICK_COLUMNS.join(',')}\r\n`);
    });

    it('one workspace never sees another\'s clicks: its link is 404, its export holds only its own', async () => {
      problemOf(await get(`?link=${linkB}`), 404, 'not-found');
      problemOf(await get('?link=lnk_missing'), 404, 'not-found');
      const theirs = ndjson((await get('', b.key)).body);
      assert.equal(theirs.length, 2);
      assert.ok(theirs.every((r) => r.linkId === linkB));
      const workspace = await t.curt.app.inject({ url: `/api/v1/clicks?workspaceId=${b.workspaceId}`, headers: bearer(a.key) });
      assert.equal(workspace.statusCode, 403);
    });

    it('bad input is a 422 problem naming the parameter', async () => {
      const cases: Array<[string, RegExp]> = [
        [`?from=${new Date(now).toISOString()}&to=${new Date(now - HOUR).toISOString()}`, /^\/query\/from$/],
        [`?to=${new Date(now - 40 * DAY).toISOString()}&from=${new Date(now - 40 * DAY).toISOString()}`, /^\/query\/from$/],
        ['?from=yesterday', /^\/query\/from$/], ['?to=2024-13-01T00:00:00Z', /^\/query\/to$/], ['?format=xlsx', /^\/query\/format$/], ['?link=', /^\/query\/link$/],
      ];
      for (const [query, pointer] of cases) {
        const body = problemOf(await get(query), 422, 'validation-failed');
        assert.match(body.errors[0].pointer, pointer, query);
      }
    });

    it('needs credentials and the analytics:read scope', async () => {
      problemOf(await t.curt.app.inject({ url: '/api/v1/clicks' }), 401, 'unauthorized');
      problemOf(await get('', await a.keyWith(['links:read'])), 403, 'insufficient-scope');
      assert.equal((await get('', await a.keyWith(['analytics:read']))).statusCode, 200);
    });
  });
}
