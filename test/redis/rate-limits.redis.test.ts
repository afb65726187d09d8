import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/composition/config.js';
import { createCurt, type Curt } from '../../src/composition/root.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';
import { redisSkip, redisUrl, uniquePrefix } from '../support/redis.js';
import { rateLimitMember } from '../support/structured-fields.js';
import { CuttableProxy } from '../support/cuttable-proxy.js';

const skip = await redisSkip();
const engine = engines.at(-1)!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const remaining = (res: { headers: Record<string, unknown> }) => rateLimitMember(res.headers.ratelimit as string).params.r;

describe(`rate limits across instances on Redis (${engine.name})`, { skip, timeout: 60_000 }, () => {
  const prefix = uniquePrefix();
  const proxy = new CuttableProxy(new URL(redisUrl));
  let admin: Redis;
  let a: TestCurt;
  let b: Curt;
  let tenant: Tenant;
  let base: string;

  before(async () => {
    await proxy.start();
    admin = new Redis(redisUrl);
    const env = { REDIS_URL: proxy.url, CURT_REDIS_PREFIX: prefix, CURT_TRUST_PROXY: 'true' };
    a = await startCurt(engine, env);
    // A second instance on the same database and Redis: an API process beside the all-in-one.
    b = await createCurt(loadConfig({ LOG_LEVEL: 'silent', ...env }), { role: 'api', database: a.handle, clickFlushMs: 50 });
    await b.app.ready();
    tenant = await createTenant(a);
    base = await listenOn(a.curt);
  });
  after(async () => {
    await proxy.start();
    await b?.close();
    await a?.close();
    await proxy.stop();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  const keyWithLimit = async (rateLimit: number) => (await a.curt.apiKeys.createForWorkspace(tenant.workspaceId, { scopes: ['links:read'], rateLimit }));
  const on = (curt: Curt, key: string) => curt.app.inject({ url: '/api/v1/links', headers: bearer(key) });

  it('admits one key exactly up to its limit, spread over two instances', async () => {
    const { key } = await keyWithLimit(10);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await on(i % 2 === 0 ? a.curt : b, key);
      assert.equal(res.statusCode, 200, `request ${i + 1}: ${res.body}`);
      seen.push(remaining(res)!);
    }
    assert.deepEqual(seen, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 'one count, whichever instance answered');
    for (const curt of [a.curt, b]) {
      const over = await on(curt, key);
      assert.equal(over.statusCode, 429);
      assert.equal(over.json().code, 'quota-exceeded');
      assert.match(String(over.headers['retry-after']), /^[1-9][0-9]*$/);
    }
  });

  it('keeps the quotas in Redis under CURT_REDIS_PREFIX', async () => {
    const { key } = await keyWithLimit(100);
    assert.equal((await on(b, key)).statusCode, 200);
    const stored = await admin.keys(`${prefix}limit:api:100:*`);
    assert.equal(stored.length, 1, 'the quota lives in Redis under CURT_REDIS_PREFIX');
  });

  it('keeps serving while Redis is unreachable and shares the limits again once it is back', async () => {
    await a.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(tenant.key), payload: { url: 'https://example.com/up', slug: 'up' } });
    const visit = (path: string) => fetch(`${base}/${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': '198.51.100.9' } });
    await proxy.stop();
    const during = await keyWithLimit(3);
    for (const curt of [a.curt, b]) {
      for (let i = 0; i < 3; i++) {
        const res = await on(curt, during.key);
        assert.equal(res.statusCode, 200, `served under the in-memory fallback: ${res.body}`);
      }
      assert.equal((await on(curt, during.key)).statusCode, 429, 'per-instance limit while Redis is down');
    }
    const hit = await visit('up');
    assert.equal(hit.status, 302, 'redirects keep serving');
    const miss = await visit('not-there');
    assert.equal(miss.status, 404, 'not-found answers too');
    await miss.arrayBuffer();

    await proxy.start();
    // Wait until a's limits reach Redis again (ioredis reconnects by itself).
    const probe = await keyWithLimit(50);
    for (const start = Date.now(); Date.now() - start < 15_000; await sleep(100)) {
      const res = await on(a.curt, probe.key);
      assert.notEqual(res.statusCode, 500);
      if ((await admin.exists(`${prefix}limit:api:50:key:${probe.apiKey.id}`)) === 1) break;
    }
    for (const start = Date.now(); Date.now() - start < 15_000; await sleep(100)) {
      await on(b, probe.key);
      if (Number(await admin.get(`${prefix}limit:api:50:key:${probe.apiKey.id}`)) >= 2) break;
    }
    const after = await keyWithLimit(4);
    const statuses = [];
    for (const curt of [a.curt, b, a.curt, b, a.curt, b]) statuses.push((await on(curt, after.key)).statusCode);
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429], 'exact across instances again');
  });
});

describe(`rate limits with Redis unreachable from the start (${engine.name})`, { timeout: 30_000 }, () => {
  // The scale-out shape: an api and a redirect process. (An all-in-one's click-stream consumer
  // waits for Redis on close, so it is left out of a test where Redis never comes.)
  let api: TestCurt;
  let redirect: Curt;
  let tenant: Tenant;
  let base: string;
  before(async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:1', CURT_REDIS_PREFIX: uniquePrefix() };
    const limits = { apiPerMinute: 3, notFoundPerMinute: 2 };
    api = await startCurt(engine, env, { role: 'api', limits });
    redirect = await createCurt(loadConfig({ LOG_LEVEL: 'silent', ...env }), { role: 'redirect', database: api.handle, clickFlushMs: 50, limits });
    tenant = await createTenant(api);
    base = await listenOn(redirect);
  });
  after(async () => {
    await redirect?.close();
    await api?.close();
  });

  it('serves API requests and redirects under per-instance limits, never a 500', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await api.curt.app.inject({ url: '/api/v1/links', headers: bearer(tenant.key) });
      statuses.push(res.statusCode);
      if (res.statusCode === 200) assert.equal(remaining(res), 2 - i);
    }
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const made = await api.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(await tenant.keyWith(['links:write'])), payload: { url: 'https://example.com/down', slug: 'down' } });
    assert.equal(made.statusCode, 201, made.body);
    const hit = await fetch(`${base}/down`, { redirect: 'manual' });
    assert.equal(hit.status, 302, 'a known link redirects (its click stays buffered)');
    const misses = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/missing-${i}`, { redirect: 'manual' });
      misses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(misses, [404, 404, 429]);
  });
});
