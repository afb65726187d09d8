import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { linkCacheKeys } from '../../src/adapters/redis/link-cache.redis.js';
import { RedisInvalidationBus } from '../../src/adapters/redis/invalidation.redis.js';
import { announceLinkChanges } from '../../src/composition/link-announcements.js';
import { freePort } from '../support/curt-process.js';
import { redisSkip, redisUrl, uniquePrefix } from '../support/redis.js';

const skip = await redisSkip();

describe('links announced by a process that serves nothing (curt seed-clicks)', { skip, timeout: 60_000 }, () => {
  const prefix = uniquePrefix();
  const heard: string[] = [];
  let listener: RedisInvalidationBus;
  let admin: Redis;

  before(async () => {
    admin = new Redis(redisUrl);
    listener = new RedisInvalidationBus(redisUrl, { link: (d, s) => heard.push(`${d}/${s}`), domains: () => {}, resync: () => {} }, { prefix, listen: true });
    await listener.ready();
  });
  after(async () => {
    await listener?.close();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
  });

  it('clears their shared "not found" entries and tells every instance, on a fresh connection', async () => {
    const keys = Array.from({ length: 1_200 }, (_, i) => ({ domain: i % 2 ? '' : 'go.example.com', slug: `seeded${i}` }));
    const missed = linkCacheKeys(prefix, 'go.example.com', 'seeded0').value;
    await admin.set(missed, '-', 'PX', 60_000); // an instance looked the slug up before the link existed
    assert.equal(await announceLinkChanges({ url: redisUrl, prefix }, keys), true);
    assert.equal(await admin.exists(missed), 0, 'the shared entry is gone');
    for (let i = 0; i < 250 && heard.length < keys.length; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(new Set(heard), new Set(keys.map((k) => `${k.domain}/${k.slug}`)));
  });

  it('says so when Redis cannot be reached, within its time limit', async () => {
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    assert.equal(await announceLinkChanges({ url: unreachable, prefix }, [{ domain: '', slug: 'x' }], 300), false);
    assert.ok(Date.now() - started < 5_000);
  });

  it('has nothing to do without Redis or without links', async () => {
    assert.equal(await announceLinkChanges({ url: null, prefix }, [{ domain: '', slug: 'x' }]), true);
    assert.equal(await announceLinkChanges({ url: 'redis://127.0.0.1:1', prefix }, []), true);
  });
});
