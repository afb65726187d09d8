import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { serve, stop, type Running } from '../support/curt-process.js';
import { createDatabase } from '../support/e2e-database.js';
import { redisAvailable } from '../support/redis.js';
import { RedisServer, hasRedisServer } from '../support/redis-server.js';
import { rateLimitMember } from '../support/structured-fields.js';

const pgUrl = process.env.CURT_TEST_DATABASE_URL;
// Skipped without PostgreSQL and Redis, like the other multi-process tests; in CI (CURT_TEST_REQUIRE_*) a missing one fails.
if (process.env.CURT_TEST_REQUIRE_POSTGRES === '1' && !pgUrl) throw new Error('CURT_TEST_REQUIRE_POSTGRES=1 but CURT_TEST_DATABASE_URL is not set');
if (process.env.CURT_TEST_REQUIRE_REDIS && !hasRedisServer()) throw new Error('CURT_TEST_REQUIRE_REDIS is set but there is no redis-server binary to start');
const available = pgUrl !== undefined && (await redisAvailable()) && hasRedisServer();

type Answer = { status: number; location: string | null };

/**
 * SPEC §6 with real processes: two `--role api` and one `--role redirect` process of the real
 * binary share one PostgreSQL database and a redis-server of this test's own, which is SIGKILLed
 * and restarted mid-run. Deadlines of 1 s are the SPEC's; every other wait is a hang guard.
 */
describe('scale-out: several curt processes on one PostgreSQL and one Redis', { skip: !available && 'needs PostgreSQL, Redis and a redis-server binary', timeout: 180_000 }, () => {
  const adminKey = `curt_${randomBytes(24).toString('hex')}`;
  const running: Running[] = [];
  let drop: () => Promise<void> = async () => {};
  let redis: RedisServer;
  let api1: Running;
  let api2: Running;
  let redirect: Running;

  before(async () => {
    redis = await RedisServer.start();
    const db = await createDatabase(pgUrl!);
    drop = db.drop;
    const env = { DATABASE_URL: db.url, REDIS_URL: redis.url, CURT_REDIS_PREFIX: 'curt:', CURT_INITIAL_API_KEY: adminKey };
    // The first migrates and registers the key; the others then start side by side.
    api1 = await serve(env, ['--role', 'api']);
    running.push(api1);
    [api2, redirect] = await Promise.all([serve(env, ['--role', 'api']), serve(env, ['--role', 'redirect'])]);
    running.push(api2, redirect);
  });
  after(async () => {
    for (const r of running) await stop(r.child, 'SIGKILL');
    await redis?.kill();
    await drop();
  });

  const call = async (on: Running, method: string, path: string, body?: object, key = adminKey) => {
    const res = await fetch(`${on.base}/api/v1${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: () => JSON.parse(text) as Record<string, unknown>, text };
  };
  const visit = async (slug: string): Promise<Answer> => {
    const res = await fetch(`${redirect.base}/${slug}`, { redirect: 'manual', headers: { accept: 'application/json' } });
    await res.arrayBuffer();
    return { status: res.status, location: res.headers.get('location') };
  };
  /** Polls the redirect process until `ok`; fails past `deadlineMs` after the change was acknowledged. */
  const seenWithin = async (slug: string, ok: (a: Answer) => boolean, deadlineMs: number, acknowledgedAt: number) => {
    let last = await visit(slug);
    while (!ok(last)) {
      if (Date.now() - acknowledgedAt > deadlineMs) assert.fail(`/${slug} still answers ${last.status} ${last.location ?? ''} ${deadlineMs} ms after the change`);
      await new Promise((resolve) => setTimeout(resolve, 10));
      last = await visit(slug);
    }
    return Date.now() - acknowledgedAt;
  };
  /** A change made through an api process, timed from its answer. */
  const change = async (on: Running, method: string, path: string, body: object | undefined, status: number) => {
    const res = await call(on, method, path, body);
    assert.equal(res.status, status, res.text);
    return { at: Date.now(), body: res.status === 204 ? {} : res.json() };
  };

  it('a change made through an api process redirects correctly on the redirect process within 1 s', async (t) => {
    const created = await change(api1, 'POST', '/links', { url: 'https://example.com/v1', slug: 'moving' }, 201);
    await seenWithin('moving', (a) => a.location === 'https://example.com/v1', 1000, created.at);
    assert.deepEqual(await visit('moving'), { status: 302, location: 'https://example.com/v1' }, 'cached on the redirect process now');

    const updated = await change(api1, 'PATCH', `/links/${String(created.body.id)}`, { url: 'https://example.com/v2' }, 200);
    const updateMs = await seenWithin('moving', (a) => a.location === 'https://example.com/v2', 1000, updated.at);

    const deleted = await change(api2, 'DELETE', `/links/${String(created.body.id)}`, undefined, 204);
    const deleteMs = await seenWithin('moving', (a) => a.status === 404, 1000, deleted.at);

    // The 404 is now cached, in the redirect process and in Redis (negative cache): a create must clear both.
    assert.equal((await visit('moving')).status, 404);
    assert.equal((await visit('fresh')).status, 404);
    const recreated = await change(api2, 'POST', '/links', { url: 'https://example.com/v3', slug: 'fresh' }, 201);
    const createMs = await seenWithin('fresh', (a) => a.location === 'https://example.com/v3', 1000, recreated.at);
    t.diagnostic(`seen on the redirect process after: update ${updateMs} ms, delete ${deleteMs} ms, create after a cached 404 ${createMs} ms`);
  });

  /** An API key of its own with a per-key limit (SPEC §4: a key's rateLimit overrides the default). */
  const keyWithLimit = async (rateLimit: number) => {
    const res = await call(api1, 'POST', '/api-keys', { name: `limited-${rateLimit}-${randomBytes(3).toString('hex')}`, scopes: ['links:read'], rateLimit });
    assert.equal(res.status, 201, res.text);
    return String(res.json().key);
  };
  /** Sends `n` requests alternately to the two api processes; answers each status and headers. */
  const alternate = async (key: string, n: number) => {
    const answers = [];
    for (let i = 0; i < n; i++) answers.push(await call(i % 2 === 0 ? api1 : api2, 'GET', '/links?limit=1', undefined, key));
    return answers;
  };
  const admitsExactly = async (limit: number) => {
    const key = await keyWithLimit(limit);
    const answers = await alternate(key, limit + 3);
    assert.deepEqual(answers.map((a) => a.status), [...Array<number>(limit).fill(200), 429, 429, 429], 'exactly the limit admitted, over both processes');
    answers.forEach((a, i) => {
      const policy = rateLimitMember(a.headers.get('ratelimit-policy') ?? undefined);
      assert.deepEqual(policy, { name: 'api', params: { q: limit, w: 60 } }, 'RateLimit-Policy parses as a structured-field list');
      const state = rateLimitMember(a.headers.get('ratelimit') ?? undefined);
      assert.equal(state.name, 'api');
      assert.equal(state.params.r, Math.max(0, limit - 1 - i), `request ${i + 1}: one count whichever process answered`);
      assert.ok(state.params.t! >= 0 && state.params.t! <= 60, `t is the window's remaining seconds: ${String(state.params.t)}`);
      if (a.status === 429) {
        assert.match(a.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/, 'Retry-After in whole seconds');
        assert.equal(a.json().code, 'quota-exceeded');
      }
    });
  };

  it('one key\'s requests spread over two api processes are admitted exactly up to its limit', async () => {
    await admitsExactly(5);
  });

  it('Redis SIGKILLed mid-run: redirects keep serving; after its restart invalidation and shared limits recover', async (t) => {
    const steady = await change(api1, 'POST', '/links', { url: 'https://example.com/steady', slug: 'steady' }, 201);
    await change(api1, 'POST', '/links', { url: 'https://example.com/cold', slug: 'cold' }, 201);
    await seenWithin('steady', (a) => a.location === 'https://example.com/steady', 1000, steady.at);

    // Visitors keep coming throughout: before the kill, while Redis is down, across the restart.
    let loading = true;
    const load: number[] = [];
    const visitors = Array.from({ length: 4 }, async (_, i) => {
      while (loading) load.push((await visit(i % 2 === 0 ? 'steady' : 'cold')).status);
    });
    await redis.kill();
    // While Redis is down: the cached link, a link never asked of this process (database read),
    // and an unknown slug all answer as usual; nothing answers 5xx.
    const during: Answer[] = [];
    for (let i = 0; i < 10; i++) during.push(await visit('steady'), await visit('cold'), await visit(`nothing-${i}`));
    assert.deepEqual(during.filter((a) => a.status >= 500), [], 'no 5xx while Redis is down');
    assert.deepEqual(new Set(during.map((a) => `${a.status} ${a.location ?? ''}`)),
      new Set(['302 https://example.com/steady', '302 https://example.com/cold', '404 ']));
    // The API serves too (limits per process meanwhile), and a change made now cannot be announced.
    await change(api1, 'PATCH', `/links/${String(steady.body.id)}`, { url: 'https://example.com/changed-while-down' }, 200);

    await redis.restart();
    // The redirect process missed that message: once its subscription is back it drops its cache
    // (and the api process announces what it owed). Hang guard, not a deadline: reconnecting backs off.
    await seenWithin('steady', (a) => a.location === 'https://example.com/changed-while-down', 30_000, Date.now());
    for (const r of [api1, api2, redirect]) await readyAgain(r);

    // Invalidation works again within the SPEC's 1 s. A first change shows every connection it
    // needs is back (publisher of api1, subscriber of the redirect process); the next is timed.
    const probe = await change(api1, 'PATCH', `/links/${String(steady.body.id)}`, { url: 'https://example.com/probe' }, 200);
    await seenWithin('steady', (a) => a.location === 'https://example.com/probe', 30_000, probe.at);
    const after = await change(api2, 'PATCH', `/links/${String(steady.body.id)}`, { url: 'https://example.com/after-restart' }, 200);
    const afterMs = await seenWithin('steady', (a) => a.location === 'https://example.com/after-restart', 1000, after.at);
    assert.equal((await visit('unknown-after')).status, 404);
    const late = await change(api1, 'POST', '/links', { url: 'https://example.com/late', slug: 'unknown-after' }, 201);
    await seenWithin('unknown-after', (a) => a.location === 'https://example.com/late', 1000, late.at);
    t.diagnostic(`after the Redis restart an update was seen on the redirect process after ${afterMs} ms`);

    loading = false;
    await Promise.all(visitors);
    assert.deepEqual(load.filter((status) => status !== 302), [], `every one of ${load.length} redirects under load was served`);
    t.diagnostic(`${load.length} redirects served under load across the Redis kill and restart`);

    // Shared limits again: once both api processes count in Redis (a probe key shows it), exact.
    await sharedCountingAgain();
    await admitsExactly(4);
    const client = new Redis(redis.url);
    try {
      assert.ok((await client.keys('curt:link:*')).length > 0, 'the redirect process shares links through the restarted Redis');
    } finally {
      client.disconnect();
    }
  });

  /** /readyz answers 200 again (database and Redis reachable). Hang guard only. */
  async function readyAgain(r: Running): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if ((await fetch(`${r.base}/readyz`)).status === 200) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${r.base} is not ready again: ${r.stdout().slice(-2000)}`);
  }

  /**
   * Waits until both api processes' limiters count in Redis again (each reconnects on its own
   * schedule): with a probe key, alternate requests must leave consecutive remainders.
   */
  async function sharedCountingAgain(): Promise<void> {
    const key = await keyWithLimit(1000);
    let previous: number | null = null;
    let consecutive = 0;
    for (let i = 0; i < 300 && consecutive < 4; i++) {
      const answer = await call(i % 2 === 0 ? api1 : api2, 'GET', '/links?limit=1', undefined, key);
      const r = rateLimitMember(answer.headers.get('ratelimit') ?? undefined).params.r!;
      consecutive = previous !== null && r === previous - 1 ? consecutive + 1 : 0;
      previous = r;
      if (consecutive === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(consecutive >= 4, 'both api processes count in Redis again');
  }
});
