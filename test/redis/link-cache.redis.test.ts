import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisLinkCache, forgetLink, linkCacheKeys, openLinkCacheConnection } from '../../src/adapters/redis/link-cache.redis.js';
import type { SharedLink } from '../../src/core/redirect/ports.js';
import { freePort } from '../support/curt-process.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';
import { redisSkip, redisUrl, uniquePrefix } from '../support/redis.js';
import { createCurt, type Curt } from '../../src/composition/root.js';
import { RedisInvalidationBus } from '../../src/adapters/redis/invalidation.redis.js';
import { CuttableProxy } from '../support/cuttable-proxy.js';

const skip = await redisSkip();

const link: SharedLink = {
  id: 'lnk_1', workspaceId: 'ws_1', url: 'https://example.com/a?x=1#f', redirectType: 301, forwardQuery: false,
  expiresAt: new Date('2031-02-03T04:05:06.789Z'), expiredUrl: 'https://example.com/gone',
  rules: [{ when: { country: ['DE'] }, url: 'https://example.de/' }], variants: [{ url: 'https://b.example.com/', weight: 30 }],
  utm: { source: 'news' }, createdAt: new Date('2030-01-01T00:00:00.000Z'),
};

/** Polls until `ok` (a hang guard of 5 s: the write-back is not awaited by its caller). */
async function eventually(what: string, ok: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250; i++) {
    if (await ok()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(what);
}

describe('RedisLinkCache', { skip, timeout: 60_000 }, () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let admin: Redis;
  let cache: RedisLinkCache;

  before(async () => {
    redis = openLinkCacheConnection(redisUrl);
    admin = new Redis(redisUrl);
    await admin.ping();
    await eventually('the lookup connection is ready', async () => redis.status === 'ready');
    cache = new RedisLinkCache(redis, prefix);
  });
  after(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    redis.disconnect();
  });

  const change = async (domain: string, slug: string) => {
    const tx = admin.multi();
    forgetLink(tx, prefix, domain, slug);
    await tx.exec();
  };

  it('keeps a link as compact JSON under CURT_REDIS_PREFIX and gives back the same link', async () => {
    assert.deepEqual(await cache.lookup('go.example.com', 'a/b'), { found: false, token: '' });
    cache.store('go.example.com', 'a/b', '', link);
    const key = linkCacheKeys(prefix, 'go.example.com', 'a/b').value;
    assert.equal(key, `${prefix}link:go.example.com/a/b`);
    await eventually('written back', async () => (await admin.exists(key)) === 1);
    assert.deepEqual(await cache.lookup('go.example.com', 'a/b'), { found: true, link });
    const ttl = await admin.pttl(key);
    assert.ok(ttl > 60_000 && ttl <= 3_600_000, `a link lives an hour at most (${ttl} ms)`);
  });

  it('remembers an unknown slug for 60 s at most', async () => {
    cache.store('', 'ghost', '', null);
    const key = linkCacheKeys(prefix, '', 'ghost').value;
    await eventually('written back', async () => (await admin.exists(key)) === 1);
    assert.deepEqual(await cache.lookup('', 'ghost'), { found: true, link: null });
    const ttl = await admin.pttl(key);
    assert.ok(ttl > 0 && ttl <= 60_000, `bounded by a 60 s TTL (${ttl} ms)`);
  });

  it('a change clears the entry and refuses the write-back of a load that began before it', async () => {
    cache.store('', 'raced', '', link);
    await eventually('written back', async () => (await cache.lookup('', 'raced')).found);
    await change('', 'raced');
    const before = await cache.lookup('', 'raced');
    assert.deepEqual(before, { found: false, token: '1' }, 'cleared; the change counter is 1');
    await change('', 'raced'); // another change while that load reads the database
    cache.store('', 'raced', '1', { ...link, url: 'https://example.com/old' });
    cache.store('', 'raced-witness', '', link); // same connection, sent after: once it landed, so did the refused one
    await eventually('witness written', async () => (await cache.lookup('', 'raced-witness')).found);
    assert.deepEqual(await cache.lookup('', 'raced'), { found: false, token: '2' }, 'the stale write-back was refused');
    cache.store('', 'raced', '2', link);
    await eventually('a fresh load is written back', async () => (await cache.lookup('', 'raced')).found);
  });

  it('treats a value it cannot read as not cached', async () => {
    await admin.set(linkCacheKeys(prefix, '', 'garbage').value, '{"not":"a link"}');
    assert.deepEqual(await cache.lookup('', 'garbage'), { found: false, token: '' });
  });

  it('fails a lookup at once when Redis is unreachable, rather than waiting for it', async () => {
    const down = openLinkCacheConnection(`redis://127.0.0.1:${await freePort()}`);
    try {
      await assert.rejects(new RedisLinkCache(down, prefix).lookup('', 'any'));
    } finally {
      down.disconnect();
    }
  });
});

/** Two redirect instances and an api instance on one database and one Redis, as separate processes would be. */
describe('the shared link cache between instances', { skip, timeout: 60_000 }, () => {
  const engine = engines.at(-1)!;
  const prefix = uniquePrefix();
  let api: TestCurt;
  let one: Curt;
  let two: Curt;
  let tenant: Tenant;
  const bases = new Map<Curt, string>();

  before(async () => {
    const env = { REDIS_URL: redisUrl, CURT_REDIS_PREFIX: prefix };
    api = await startCurt(engine, env, { role: 'api' });
    const redirect = async () => {
      const curt = await createCurt(api.config, { role: 'redirect', database: api.handle, clickFlushMs: 50 });
      bases.set(curt, await listenOn(curt));
      return curt;
    };
    one = await redirect();
    two = await redirect();
    tenant = await createTenant(api);
  });
  after(async () => {
    await two?.close();
    await one?.close();
    await api?.close();
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  const visit = async (curt: Curt, slug: string) => {
    // The redirect hot path sits in front of Fastify: only a real request reaches it.
    const res = await fetch(`${bases.get(curt)}/${slug}`, { redirect: 'manual', headers: { accept: 'application/json' } });
    await res.arrayBuffer();
    return { status: res.status, location: res.headers.get('location') ?? undefined };
  };
  const shared = async (curt: Curt) => {
    const text = (await curt.app.inject({ url: '/metrics' })).body;
    const n = (result: string) => Number(new RegExp(`^curt_redirect_shared_cache_lookups_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    return { hit: n('hit'), miss: n('miss'), error: n('error') };
  };
  const create = (payload: object) => api.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(tenant.key), payload });
  /** Polls an instance until `ok` (hang guard 5 s; the invalidation is asynchronous). */
  const until = async (curt: Curt, slug: string, ok: (r: { status: number; location: unknown }) => boolean) => {
    let last = await visit(curt, slug);
    for (let i = 0; i < 250 && !ok(last); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      last = await visit(curt, slug);
    }
    assert.ok(ok(last), `/${slug} answers ${last.status} ${String(last.location ?? '')}`);
  };

  it('a link one instance loaded is served by another from Redis, without a database read', async () => {
    assert.equal((await create({ url: 'https://example.com/shared', slug: 'shared' })).statusCode, 201);
    assert.equal((await visit(one, 'shared')).location, 'https://example.com/shared');
    await eventually('written back', async () => (await shared(one)).miss >= 1 && (await visit(two, 'shared')).status === 302 && (await shared(two)).hit >= 1);
    assert.equal((await visit(two, 'shared')).location, 'https://example.com/shared');
  });

  it('an unknown slug asked of one instance is a 404 from Redis on the other; creating it clears that at once', async () => {
    assert.equal((await visit(one, 'later')).status, 404);
    const before = await shared(two);
    await eventually('the 404 is shared', async () => (await visit(two, 'later')).status === 404 && (await shared(two)).hit > before.hit);
    assert.equal((await create({ url: 'https://example.com/later', slug: 'later' })).statusCode, 201);
    await until(one, 'later', (r) => r.location === 'https://example.com/later');
    await until(two, 'later', (r) => r.location === 'https://example.com/later');
  });

  it('an update reaches an instance that had the link only in Redis', async () => {
    const created = (await create({ url: 'https://example.com/v1', slug: 'versioned' })).json();
    assert.equal((await visit(one, 'versioned')).location, 'https://example.com/v1');
    const patched = await api.curt.app.inject({ method: 'PATCH', url: `/api/v1/links/${created.id}`, headers: bearer(tenant.key), payload: { url: 'https://example.com/v2' } });
    assert.equal(patched.statusCode, 200);
    await until(two, 'versioned', (r) => r.location === 'https://example.com/v2');
    await until(one, 'versioned', (r) => r.location === 'https://example.com/v2');
  });

  it('keeps links with a click cap or a password out of Redis', async () => {
    const admin = new Redis(redisUrl);
    try {
      assert.equal((await create({ url: 'https://example.com/c', slug: 'capped', maxClicks: 5 })).statusCode, 201);
      assert.equal((await create({ url: 'https://example.com/p', slug: 'secret', password: 'hunter2hunter2' })).statusCode, 201);
      assert.equal((await visit(one, 'capped')).status, 302);
      assert.equal((await visit(one, 'secret')).status, 401);
      assert.equal((await visit(one, 'shared')).status, 302);
      assert.equal(await admin.exists(linkCacheKeys(prefix, '', 'capped').value, linkCacheKeys(prefix, '', 'secret').value), 0);
    } finally {
      admin.disconnect();
    }
  });
});

describe('the shared link cache with Redis unreachable', { timeout: 60_000 }, () => {
  let t: TestCurt;
  let base: string;
  before(async () => {
    // PostgreSQL when configured: it starts faster than the embedded engine.
    t = await startCurt(engines.at(-1)!, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, CURT_REDIS_PREFIX: uniquePrefix() });
    base = await listenOn(t.curt);
  });
  after(() => t.close());

  it('is skipped: links and 404s come from the database, counted as errors', async () => {
    const a = await createTenant(t);
    assert.equal((await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/x', slug: 'x' } })).statusCode, 201);
    assert.equal((await fetch(`${base}/x`, { redirect: 'manual' })).status, 302);
    assert.equal((await fetch(`${base}/y`, { headers: { accept: 'application/json' } })).status, 404);
    assert.match((await t.curt.app.inject({ url: '/metrics' })).body, /^curt_redirect_shared_cache_lookups_total\{result="error"\} [1-9]/m);
  });
});

/**
 * A change made while this instance cannot reach Redis is owed: once the publishing connection
 * is back, its shared entry is cleared and the change published, so a Redis that kept its data
 * (or instances that could still reach it) do not serve the old link.
 */
describe('a change made while Redis was unreachable from the publisher', { skip, timeout: 60_000 }, () => {
  const prefix = uniquePrefix();
  const proxy = new CuttableProxy(new URL(redisUrl));
  const heard: string[] = [];
  let publisher: RedisInvalidationBus;
  let listener: RedisInvalidationBus;
  let admin: Redis;

  before(async () => {
    await proxy.start();
    admin = new Redis(redisUrl);
    const noop = { link: () => {}, domains: () => {}, resync: () => {} };
    publisher = new RedisInvalidationBus(proxy.url, noop, { prefix, listen: false, forgetLink: (tx, d, s) => forgetLink(tx, prefix, d, s) });
    listener = new RedisInvalidationBus(redisUrl, { ...noop, link: (d, s) => heard.push(`${d}/${s}`) }, { prefix, listen: true });
    await listener.ready();
  });
  after(async () => {
    await publisher?.close();
    await listener?.close();
    await proxy.stop();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('is published, its shared entry cleared, once Redis is back', async () => {
    await eventually('the publisher is connected', async () => (await publisher.link('', 'warmup')) === true);
    await eventually('the listener heard it', async () => heard.includes('/warmup'));
    const key = linkCacheKeys(prefix, '', 'kept').value;
    await admin.set(key, '-', 'PX', 60_000); // as a Redis that kept its data would still hold it
    await proxy.stop();
    assert.equal(await publisher.link('', 'kept'), false, 'not published while cut off');
    assert.equal(publisher.owing, 1);
    await proxy.start();
    await eventually('replayed after reconnecting', async () => heard.includes('/kept'));
    assert.equal(await admin.exists(key), 0, 'the shared entry is gone');
    assert.equal(publisher.owing, 0);
  });
});
