import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import { click, visitor } from '../db/analytics-fixtures.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

type Res = { statusCode: number; headers: Record<string, unknown>; json(): any };

for (const engine of engines) {
  describe(`GET /api/v1/analytics (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let b: Tenant;
    let linkA: string;
    let linkB: string;

    const get = (query: string, headers: Record<string, string> = bearer(a.key)) =>
      t.curt.app.inject({ url: `/api/v1/analytics?${query}`, headers }) as Promise<Res>;
    const problemOf = (res: Res, status: number, code: string) => {
      assert.equal(res.statusCode, status);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const body = res.json();
      assert.equal(body.code, code);
      return body;
    };
    const newLink = async (tenant: Tenant, slug: string) => {
      const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(tenant.key), payload: { url: 'https://example.com/', slug, tags: ['spring'] } });
      assert.equal(res.statusCode, 201);
      return res.json().id as string;
    };

    before(async () => {
      t = await startCurt(engine);
      a = await createTenant(t, 'a');
      b = await createTenant(t, 'b');
      linkA = await newLink(a, 'analytics-a');
      linkB = await newLink(b, 'analytics-b');
      // Clicks stored as ingest stores them; both tenants click at the same times.
      await new SqlClickStore(t.handle.db).ingest([
        click(a.workspaceId, linkA, '2026-11-23T23:30:00Z', { country: 'DE', visitorId: visitor(1) }),
        click(a.workspaceId, linkA, '2026-11-24T10:00:00Z', { country: 'DE', visitorId: visitor(1) }),
        click(a.workspaceId, linkA, '2026-11-24T11:00:00Z', { country: null, visitorId: visitor(2) }),
        click(a.workspaceId, linkA, '2026-11-24T12:00:00Z', { country: 'US', bot: true, visitorId: visitor(3) }),
        ...[4, 5, 6, 7].map((n) => click(b.workspaceId, linkB, '2026-11-24T10:00:00Z', { country: 'FR', visitorId: visitor(n) })),
      ]);
    });
    after(() => t.close());

    it('answers a time series in the asked zone, zero-filled', async () => {
      const res = await get('groupBy=time&from=2026-11-23&to=2026-11-26&timezone=Europe/Berlin');
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), {
        data: [
          { time: '2026-11-23T00:00:00+01:00', clicks: 0, visitors: 0 },
          { time: '2026-11-24T00:00:00+01:00', clicks: 3, visitors: 2 },
          { time: '2026-11-25T00:00:00+01:00', clicks: 0, visitors: 0 },
        ],
        total: { clicks: 3, visitors: 2 },
      });
    });

    it('answers breakdowns with null for unknown values, and honours bots, metric and limit', async () => {
      const range = 'from=2026-11-20T00:00:00Z&to=2026-11-30T00:00:00Z';
      assert.deepEqual((await get(`groupBy=country&${range}`)).json(), {
        data: [{ key: 'DE', clicks: 2, visitors: 1 }, { key: null, clicks: 1, visitors: 1 }],
        total: { clicks: 3, visitors: 2 },
      });
      assert.deepEqual((await get(`groupBy=country&bots=only&${range}`)).json().data, [{ key: 'US', clicks: 1, visitors: 1 }]);
      assert.deepEqual((await get(`groupBy=country&bots=include&limit=1&metric=visitors&${range}`)).json().data, [{ key: null, clicks: 1, visitors: 1 }]);
      assert.deepEqual((await get(`groupBy=link&tag=spring&${range}`)).json().data, [{ key: linkA, clicks: 3, visitors: 2 }]);
      assert.deepEqual((await get(`groupBy=time&link=${linkA}&interval=month&${range}`)).json().total, { clicks: 3, visitors: 2 });
    });

    it('never counts another workspace\'s clicks, and hides its links (404)', async () => {
      const range = 'from=2026-11-20&to=2026-11-30';
      assert.equal((await get(`groupBy=time&${range}`)).json().total.clicks, 3);
      assert.equal((await get(`groupBy=time&${range}`, bearer(b.key))).json().total.clicks, 4);
      // From raw clicks too: a +05:30 zone, and minutes where both tenants clicked.
      assert.equal((await get(`groupBy=time&timezone=Asia/Kolkata&${range}`)).json().total.clicks, 3);
      const minute = (await get('groupBy=time&interval=minute&from=2026-11-24T10:00:00Z&to=2026-11-24T10:01:00Z')).json();
      assert.deepEqual(minute.data, [{ time: '2026-11-24T10:00:00+00:00', clicks: 1, visitors: 1 }]);
      problemOf(await get(`groupBy=time&link=${linkB}&${range}`), 404, 'not-found');
      problemOf(await get(`groupBy=country&link=lnk_unknown&${range}`), 404, 'not-found');
      assert.deepEqual((await get(`groupBy=link&${range}`)).json().data.map((r: { key: string }) => r.key), [linkA]);
    });

    it('reports each bad parameter as a 422 naming it', async () => {
      const cases: Array<[string, string]> = [
        ['', '/query/groupBy'],
        ['groupBy=city', '/query/groupBy'],
        ['groupBy=time&metric=sessions', '/query/metric'],
        ['groupBy=time&interval=fortnight', '/query/interval'],
        ['groupBy=time&bots=maybe', '/query/bots'],
        ['groupBy=time&timezone=Mars/Olympus_Mons', '/query/timezone'],
        ['groupBy=time&from=2026-11-24&to=2026-11-24', '/query/from'],
        ['groupBy=time&from=2026-11-25&to=2026-11-24', '/query/from'],
        ['groupBy=time&from=yesterday', '/query/from'],
        ['groupBy=time&to=2026-02-30', '/query/to'],
        ['groupBy=time&from=2026-11-24T25:00:00Z', '/query/from'],
        ['groupBy=country&limit=0', '/query/limit'],
        ['groupBy=country&limit=1001', '/query/limit'],
        ['groupBy=country&limit=ten', '/query/limit'],
        ['groupBy=time&interval=minute&from=2026-11-20&to=2026-11-22', '/query/interval'],
        ['groupBy=time&interval=hour&from=2025-01-01&to=2026-01-01', '/query/interval'],
        ['groupBy=time&link=', '/query/link'],
      ];
      for (const [query, pointer] of cases) {
        const body = problemOf(await get(query), 422, 'validation-failed');
        assert.ok(body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${query}: ${JSON.stringify(body.errors)}`);
      }
    });

    it('needs credentials with analytics:read, in the caller\'s own workspace', async () => {
      const query = 'groupBy=time&from=2026-11-20&to=2026-11-30';
      problemOf(await get(query, {}), 401, 'unauthorized');
      problemOf(await get(query, { authorization: 'Bearer curt_not-a-real-key-0000000000000000000000000000' }), 401, 'unauthorized');
      problemOf(await get(query, bearer(await a.keyWith(['links:read', 'links:write']))), 403, 'insufficient-scope');
      assert.equal((await get(query, bearer(await a.keyWith(['analytics:read'])))).statusCode, 200);
      problemOf(await get(`${query}&workspaceId=${b.workspaceId}`), 403, 'forbidden');
      const login = await t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
      const cookie = `curt_session=${login.cookies.find((c) => c.name === 'curt_session')!.value}`;
      const session = await get(query, { cookie });
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().total.clicks, 3, 'a session acts in its personal workspace');
      problemOf(await get(`${query}&workspaceId=${b.workspaceId}`, { cookie }), 404, 'not-found');
    });

    it('is documented in the OpenAPI document', async () => {
      const doc = (await t.curt.app.inject('/api/v1/openapi.json')).json();
      const operation = doc.paths['/api/v1/analytics'].get;
      for (const status of ['200', '401', '403', '404', '422']) assert.ok(operation.responses[status], status);
      const names = operation.parameters.map((p: { name: string }) => p.name);
      for (const name of ['groupBy', 'metric', 'link', 'domain', 'tag', 'from', 'to', 'interval', 'timezone', 'bots', 'limit']) assert.ok(names.includes(name), name);
      assert.deepEqual(operation.security, [{ apiKey: ['analytics:read'] }, { session: [] }]);
    });
  });
}
