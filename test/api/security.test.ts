import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface RouteCase { method: Method; url: string; scope: string | null; body?: unknown; sessionOnly?: boolean }

/** Every authenticated API route and the scope it needs (null: any valid credential). */
const ROUTES: RouteCase[] = [
  { method: 'GET', url: '/api/v1/me', scope: null },
  { method: 'GET', url: '/api/v1/api-keys', scope: 'workspace:admin' },
  { method: 'POST', url: '/api/v1/api-keys', scope: 'workspace:admin', body: { scopes: ['links:read'] } },
  { method: 'DELETE', url: '/api/v1/api-keys/key_missing', scope: 'workspace:admin' },
  { method: 'GET', url: '/api/v1/links', scope: 'links:read' },
  { method: 'POST', url: '/api/v1/links', scope: 'links:write', body: { url: 'https://example.com/' } },
  { method: 'POST', url: '/api/v1/links/bulk', scope: 'links:write', body: { links: [{ url: 'https://example.com/' }] } },
  { method: 'GET', url: '/api/v1/links/lnk_missing', scope: 'links:read' },
  { method: 'PATCH', url: '/api/v1/links/lnk_missing', scope: 'links:write', body: { title: 'x' } },
  { method: 'DELETE', url: '/api/v1/links/lnk_missing', scope: 'links:write' },
  { method: 'GET', url: '/api/v1/tags', scope: 'links:read' },
  { method: 'GET', url: '/api/v1/analytics', scope: 'analytics:read' },
  { method: 'GET', url: '/api/v1/links/lnk_missing/qr', scope: 'links:read' },
  { method: 'GET', url: '/api/v1/domains', scope: 'links:read' },
  { method: 'POST', url: '/api/v1/domains', scope: 'domains:write', body: { host: 'sec.example.com' } },
  { method: 'PATCH', url: '/api/v1/domains/dom_missing', scope: 'domains:write', body: { notFoundUrl: null } },
  { method: 'DELETE', url: '/api/v1/domains/dom_missing', scope: 'domains:write' },
  { method: 'GET', url: '/api/v1/workspaces', scope: null },
  { method: 'POST', url: '/api/v1/workspaces', scope: null, sessionOnly: true, body: { name: 'Team' } },
  { method: 'GET', url: '/api/v1/workspaces/ws_missing', scope: null },
  { method: 'PATCH', url: '/api/v1/workspaces/ws_missing', scope: 'workspace:admin', body: { name: 'Renamed' } },
  { method: 'DELETE', url: '/api/v1/workspaces/ws_missing', scope: null, sessionOnly: true },
  { method: 'GET', url: '/api/v1/workspaces/ws_missing/members', scope: null },
  { method: 'POST', url: '/api/v1/workspaces/ws_missing/members', scope: 'workspace:admin', body: { email: 'x@example.com', role: 'member' } },
  { method: 'PATCH', url: '/api/v1/workspaces/ws_missing/members/usr_missing', scope: 'workspace:admin', body: { role: 'viewer' } },
  { method: 'DELETE', url: '/api/v1/workspaces/ws_missing/members/usr_missing', scope: 'workspace:admin' },
  { method: 'GET', url: '/api/v1/clicks', scope: 'analytics:read' },
  { method: 'GET', url: '/api/v1/events', scope: 'analytics:read' },
  { method: 'GET', url: '/api/v1/jobs', scope: 'workspace:admin' },
  { method: 'POST', url: '/api/v1/jobs/job_missing/retry', scope: 'workspace:admin' },
  { method: 'GET', url: '/api/v1/webhooks', scope: 'webhooks:read' },
  { method: 'POST', url: '/api/v1/webhooks', scope: 'webhooks:write', body: { url: 'https://93.184.216.34/', events: ['link.created'] } },
  { method: 'GET', url: '/api/v1/webhooks/wh_missing', scope: 'webhooks:read' },
  { method: 'PATCH', url: '/api/v1/webhooks/wh_missing', scope: 'webhooks:write', body: { enabled: false } },
  { method: 'DELETE', url: '/api/v1/webhooks/wh_missing', scope: 'webhooks:write' },
  { method: 'POST', url: '/api/v1/webhooks/wh_missing/rotate-secret', scope: 'webhooks:write' },
  { method: 'GET', url: '/api/v1/webhooks/wh_missing/deliveries', scope: 'webhooks:read' },
  { method: 'POST', url: '/api/v1/webhooks/wh_missing/deliveries/whd_missing/retry', scope: 'webhooks:write' },
  { method: 'POST', url: '/api/v1/webhooks/wh_missing/test', scope: 'webhooks:write' },
  // Notifications
  { method: 'GET', url: '/api/v1/notifications', scope: null },
  { method: 'POST', url: '/api/v1/notifications/ntf_missing/read', scope: null },
  { method: 'GET', url: '/api/v1/notifications/preferences', scope: null },
  { method: 'PUT', url: '/api/v1/notifications/preferences', scope: null, body: { preferences: [] } },
  { method: 'GET', url: '/api/v1/links/lnk_missing/milestones', scope: 'links:read' },
  { method: 'PUT', url: '/api/v1/links/lnk_missing/milestones', scope: 'links:write', body: { thresholds: [10] } },
];
const PUBLIC = new Set(['POST /api/v1/auth/signup', 'POST /api/v1/auth/login', 'POST /api/v1/auth/logout']);

for (const engine of engines) {
  describe(`security (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let b: Tenant;
    before(async () => { t = await startCurt(engine); a = await createTenant(t, 'a'); b = await createTenant(t, 'b'); });
    after(() => t.close());

    const call = (route: RouteCase, headers: Record<string, string>) => t.curt.app.inject({
      method: route.method, url: route.url, headers: route.body ? { ...headers, 'content-type': 'application/json' } : headers,
      ...(route.body ? { payload: JSON.stringify(route.body) } : {}),
    });

    it('the table covers every route in the OpenAPI document', async () => {
      const doc = (await t.curt.app.inject('/api/v1/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
      const covered = new Set(ROUTES.map((r) => `${r.method} ${r.url.replace(/(key|lnk|ws|dom|job|wh|ntf)_missing/, '{id}').replace(/usr_missing/, '{userId}').replace(/whd_missing/, '{deliveryId}')}`));
      for (const op of documented.filter((o) => o.includes('/api/v1/') && !PUBLIC.has(o))) assert.ok(covered.has(op), `${op} has no security case`);
    });

    for (const route of ROUTES) {
      const name = `${route.method} ${route.url}`;
      it(`${name} refuses missing credentials`, async () => {
        const res = await call(route, {});
        assert.equal(res.statusCode, 401);
        assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
        assert.equal(res.json().code, 'unauthorized');
      });
      it(`${name} refuses a wrong key`, async () => {
        for (const header of ['Bearer curt_not-a-real-key-0000000000000000000000000000', 'Bearer nonsense', 'Basic dXNlcjpwYXNz', `Bearer ${a.key}x`]) {
          const res = await call(route, { authorization: header });
          assert.equal(res.statusCode, 401, header);
        }
      });
      if (route.scope) {
        it(`${name} refuses a key without ${route.scope}`, async () => {
          const others = ['links:read', 'links:write', 'analytics:read', 'workspace:admin'].filter((s) => s !== route.scope) as never[];
          const res = await call(route, bearer(await a.keyWith(others.slice(0, 1))));
          assert.equal(res.statusCode, 403);
          assert.equal(res.json().code, 'insufficient-scope');
        });
      }
      if (route.sessionOnly) {
        it(`${name} refuses every API key`, async () => {
          const res = await call(route, bearer(a.key));
          assert.equal(res.statusCode, 403);
        });
      }
    }

    it('one workspace never sees or changes another\'s links (404, not 403)', async () => {
      const created = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/a', tags: ['secret'] } });
      assert.equal(created.statusCode, 201);
      const id = created.json().id as string;
      for (const [method, payload] of [['GET', undefined], ['PATCH', { title: 'stolen' }], ['DELETE', undefined]] as const) {
        const res = await t.curt.app.inject({ method, url: `/api/v1/links/${id}`, headers: bearer(b.key), ...(payload ? { payload } : {}) });
        assert.equal(res.statusCode, 404, method);
      }
      const list = (await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(b.key) })).json();
      assert.equal(list.data.some((l: { id: string }) => l.id === id), false);
      const tags = (await t.curt.app.inject({ url: '/api/v1/tags', headers: bearer(b.key) })).json();
      assert.equal(tags.data.some((x: { name: string }) => x.name === 'secret'), false);
      const still = await t.curt.app.inject({ url: `/api/v1/links/${id}`, headers: bearer(a.key) });
      assert.equal(still.json().title, null);
    });

    it('a key cannot name another workspace', async () => {
      const res = await t.curt.app.inject({ url: `/api/v1/links?workspaceId=${b.workspaceId}`, headers: bearer(a.key) });
      assert.equal(res.statusCode, 403);
    });

    it('another tenant cannot revoke a key', async () => {
      const list = (await t.curt.app.inject({ url: '/api/v1/api-keys', headers: bearer(a.key) })).json();
      const res = await t.curt.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${list.data[0].id}`, headers: bearer(b.key) });
      assert.equal(res.statusCode, 404);
    });

    it('revocation takes effect on the next request', async () => {
      const key = await a.keyWith(['links:read']);
      assert.equal((await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(key) })).statusCode, 200);
      const list = (await t.curt.app.inject({ url: '/api/v1/api-keys?limit=100', headers: bearer(a.key) })).json();
      const id = list.data.find((k: { hint: string }) => key.endsWith(k.hint.slice(-4)) && k.hint.startsWith('curt_'))?.id;
      assert.ok(id);
      assert.equal((await t.curt.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: bearer(a.key) })).statusCode, 204);
      assert.equal((await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(key) })).statusCode, 401);
    });

    it('a key never grants more than its creator has', async () => {
      const limited = await a.keyWith(['workspace:admin', 'links:read']);
      const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(limited), payload: { scopes: ['links:write'] } });
      assert.equal(res.statusCode, 403);
      const ok = await t.curt.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(limited), payload: { scopes: ['links:read'] } });
      assert.equal(ok.statusCode, 201);
    });

    it('keys and session tokens are stored only as hashes', async () => {
      const keys = await t.handle.db.selectFrom('api_keys').select(['key_hash', 'hint']).execute();
      assert.ok(keys.length > 0);
      for (const k of keys) { assert.match(k.key_hash, /^[0-9a-f]{64}$/); assert.notEqual(k.key_hash, a.key); }
      assert.equal(keys.some((k) => k.key_hash.includes(a.key.slice(5, 20))), false);
      const users = await t.handle.db.selectFrom('users').select('password_hash').execute();
      for (const u of users) assert.match(u.password_hash ?? '$argon2id$', /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    });

    it('cookie-authenticated writes from another origin are refused (CSRF)', async () => {
      const login = await t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
      const cookie = `curt_session=${login.cookies.find((c) => c.name === 'curt_session')!.value}`;
      const payload = { url: 'https://example.com/csrf' };
      const evil = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: { cookie, origin: 'https://evil.example' }, payload });
      assert.equal(evil.statusCode, 403);
      const crossSite = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: { cookie, 'sec-fetch-site': 'cross-site' }, payload });
      assert.equal(crossSite.statusCode, 403);
      const same = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: { cookie, origin: 'http://localhost:8080' }, payload });
      assert.equal(same.statusCode, 201);
      const read = await t.curt.app.inject({ url: '/api/v1/links', headers: { cookie, origin: 'https://evil.example' } });
      assert.equal(read.statusCode, 200, 'reads are not writes');
    });

    it('a session may not act in a workspace it does not belong to', async () => {
      const login = await t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: a.email, password: a.password } });
      const cookie = `curt_session=${login.cookies.find((c) => c.name === 'curt_session')!.value}`;
      const res = await t.curt.app.inject({ url: `/api/v1/links?workspaceId=${b.workspaceId}`, headers: { cookie } });
      assert.equal(res.statusCode, 404);
    });

    it('errors carry no stack traces', async () => {
      const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: { ...bearer(a.key), 'content-type': 'application/json' }, payload: '{"url":' });
      assert.equal(res.statusCode, 400);
      assert.doesNotMatch(res.body, /at .*\.js:\d+|node_modules|stack/);
    });
  });
}
