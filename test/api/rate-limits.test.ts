import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';
import { parseList, rateLimitMember } from '../support/structured-fields.js';

const engine = engines.at(-1)!;

type Res = { statusCode: number; headers: Record<string, string | string[] | number | undefined>; json(): Record<string, unknown>; body: string };

/** The two RateLimit headers of an answer, parsed as structured fields. */
function limits(res: Res) {
  const policy = rateLimitMember(res.headers['ratelimit-policy'] as string);
  const state = rateLimitMember(res.headers.ratelimit as string);
  assert.equal(state.name, policy.name, 'both headers name the same policy');
  assert.deepEqual(Object.keys(policy.params).sort(), ['q', 'w']);
  assert.deepEqual(Object.keys(state.params).sort(), ['r', 't']);
  return { name: policy.name, q: policy.params.q!, w: policy.params.w!, r: state.params.r!, t: state.params.t! };
}

function assertQuotaExceeded(res: Res) {
  assert.equal(res.statusCode, 429, res.body);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  assert.equal(res.json().code, 'quota-exceeded');
  assert.match(String(res.json().type), /\/docs\/problems#quota-exceeded$/);
  const retryAfter = String(res.headers['retry-after']);
  assert.match(retryAfter, /^[0-9]+$/, 'Retry-After is delay-seconds');
  assert.ok(Number(retryAfter) >= 1 && Number(retryAfter) <= 60, retryAfter);
}

describe('structured-field parser of the tests', () => {
  it('reads the draft examples and refuses malformed members', () => {
    assert.deepEqual(parseList('"api";q=600;w=60'), [{ value: 'api', params: { q: 600, w: 60 } }]);
    assert.deepEqual(parseList('"a";r=1;t=2, "b";r=3;t=4').map((m) => m.value), ['a', 'b']);
    for (const bad of ['"api"q=600', '"api";q=6.5', '"api";Q=1', '"api', '"api";q=1,', 'api";q=1']) assert.throws(() => parseList(bad), bad);
  });
});

describe(`API rate limits (${engine.name})`, () => {
  let t: TestCurt;
  let a: Tenant;
  before(async () => {
    t = await startCurt(engine);
    a = await createTenant(t);
  });
  after(() => t.close());
  const get = (key: string, url = '/api/v1/links') => t.curt.app.inject({ url, headers: bearer(key) }) as Promise<Res>;

  it('answers every API-key request with RateLimit-Policy and RateLimit; remaining counts down', async () => {
    const key = await a.keyWith(['links:read']);
    const first = limits(await get(key));
    assert.deepEqual(first, { name: 'api', q: 600, w: 60, r: 599, t: first.t });
    assert.ok(first.t >= 1 && first.t <= 60, String(first.t));
    const res = await get(key);
    assert.equal(res.headers['ratelimit-policy'], '"api";q=600;w=60', 'exact draft syntax');
    assert.match(String(res.headers.ratelimit), /^"api";r=598;t=[0-9]+$/);
    // Refused calls spend too: a missing scope is still a request of this key.
    const refused = await get(key, '/api/v1/webhooks');
    assert.equal(refused.statusCode, 403);
    assert.equal(limits(refused).r, 597);
    assert.equal(limits(await get(a.key)).r, 599, 'another key has its own quota');
  });

  it('honours a key\'s own rateLimit: 429 quota-exceeded with Retry-After past it', async () => {
    const made = await t.curt.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(a.key), payload: { name: 'slow', scopes: ['links:read'], rateLimit: 3 } });
    assert.equal(made.statusCode, 201, made.body);
    assert.equal(made.json().rateLimit, 3);
    const listed = await get(a.key, '/api/v1/api-keys');
    const entries = listed.json().data as Array<{ id: string; rateLimit: number | null }>;
    assert.equal(entries.find((k) => k.id === made.json().id)?.rateLimit, 3);
    assert.ok(entries.some((k) => k.rateLimit === null), 'keys without their own limit show null');
    const key = made.json().key as string;
    for (const remaining of [2, 1, 0]) {
      const res = await get(key);
      assert.equal(res.statusCode, 200);
      assert.deepEqual([limits(res).q, limits(res).r], [3, remaining]);
    }
    const over = await get(key);
    assertQuotaExceeded(over);
    assert.deepEqual([limits(over).name, limits(over).q, limits(over).r], ['api', 3, 0], 'the 429 carries the headers too');
    assert.ok(Number(over.headers['retry-after']) >= limits(over).t - 1);
  });

  it('validates rateLimit: 1..100000 or null', async () => {
    for (const rateLimit of [0, 100_001, 2.5, 'ten']) {
      const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(a.key), payload: { scopes: ['links:read'], rateLimit } });
      assert.equal(res.statusCode, 422, `${String(rateLimit)}: ${res.body}`);
    }
    const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(a.key), payload: { scopes: ['links:read'], rateLimit: null } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().rateLimit, null);
    assert.equal(limits(await get(res.json().key as string)).q, 600);
  });

  it('limits /auth/* per address under its own "auth" policy', async () => {
    const from = '203.0.113.77';
    const login = () => t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: from, payload: { email: a.email, password: a.password } }) as Promise<Res>;
    for (let i = 0; i < 10; i++) {
      const res = await login();
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([limits(res).name, limits(res).q, limits(res).w, limits(res).r], ['auth', 10, 60, 9 - i]);
    }
    assertQuotaExceeded(await login());
    const elsewhere = await t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '203.0.113.78', payload: { email: a.email, password: a.password } });
    assert.equal(elsewhere.statusCode, 200, 'another address is not affected');
  });
});

describe(`session requests and not-found redirects (${engine.name})`, () => {
  let t: TestCurt;
  let a: Tenant;
  let base: string;
  before(async () => {
    // Small API quota; the visitor's address comes from X-Forwarded-For (CURT_TRUST_PROXY).
    t = await startCurt(engine, { CURT_TRUST_PROXY: 'true' }, { limits: { apiPerMinute: 3 } });
    a = await createTenant(t);
    base = await listenOn(t.curt);
  });
  after(() => t.close());

  it('limits a signed-in user\'s requests per user at the default quota', async () => {
    const login = await t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/login', remoteAddress: '192.0.2.10', payload: { email: a.email, password: a.password } });
    assert.equal(login.statusCode, 200, login.body);
    const cookie = login.cookies.find((c) => c.name === 'curt_session')!.value;
    const me = () => t.curt.app.inject({ url: '/api/v1/me', cookies: { curt_session: cookie } }) as Promise<Res>;
    for (const remaining of [2, 1, 0]) {
      const res = await me();
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual([limits(res).name, limits(res).q, limits(res).r], ['api', 3, remaining]);
    }
    assertQuotaExceeded(await me());
    const keyed = await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(a.key) }) as Res;
    assert.equal(keyed.statusCode, 200, 'the user\'s API key has a quota of its own');
  });

  it('answers the 61st unknown slug from one address with 429; known links still redirect', async () => {
    const made = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/known', slug: 'known' } });
    assert.equal(made.statusCode, 201, made.body);
    const visit = (path: string, ip: string, accept = 'text/html') => fetch(`${base}/${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': ip, accept } });
    const prober = '198.51.100.61';
    for (let i = 0; i < 60; i++) {
      const res = await visit(`nope-${i}`, prober);
      assert.equal(res.status, 404, `unknown slug ${i}`);
      assert.equal(res.headers.get('ratelimit'), null, 'no rate-limit headers on the redirect path');
      await res.arrayBuffer();
    }
    for (let i = 0; i < 5; i++) {
      const hit = await visit('known', prober);
      assert.equal(hit.status, 302, 'a served link never spends the not-found quota');
      assert.equal(hit.headers.get('location'), 'https://example.com/known');
      assert.equal(hit.headers.get('ratelimit'), null);
    }
    const html = await visit('nope-60', prober);
    assert.equal(html.status, 429);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(html.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    assert.equal(html.headers.get('ratelimit'), null);
    assert.equal(html.headers.get('ratelimit-policy'), null);
    await html.arrayBuffer();
    const json = await visit('nope-0', prober, 'application/json');
    assert.equal(json.status, 429, 'a repeated unknown slug counts too');
    assert.equal(((await json.json()) as { code: string }).code, 'quota-exceeded');
    assert.match(json.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    assert.equal((await visit('known', prober)).status, 302, 'known links keep redirecting for the limited address');
    const other = await visit('nope-0', '198.51.100.62');
    assert.equal(other.status, 404, 'another address has its own quota');
  });
});
