import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DefaultClickEnricher } from '../../src/adapters/clicks/click-enricher.js';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlVisitorSalts } from '../../src/adapters/db/visitor-salts.sql.js';
import { RedisClickConsumer, RedisClickSink } from '../../src/adapters/redis/click-stream.redis.js';
import type { CapturedClick } from '../../src/core/analytics/click.js';
import { ClickIngest } from '../../src/core/analytics/click-ingest.js';
import { newClickId } from '../../src/core/ids.js';
import { engines } from '../support/engines.js';
import { redisAvailable, redisUrl, uniquePrefix } from '../support/redis.js';
import { buildLink, createUser } from './fixtures.js';

const available = await redisAvailable();

for (const engine of engines) {
  describe(`Redis click stream into ${engine.name}`, { skip: !available && 'Redis unreachable' }, () => {
    let handle: DatabaseHandle;
    let workspaceId: string;
    let linkId: string;
    const connections: Redis[] = [];
    const connect = () => { const r = new Redis(redisUrl, { maxRetriesPerRequest: null }); connections.push(r); return r; };
    const ingest = () => new ClickIngest({ enricher: new DefaultClickEnricher(), store: new SqlClickStore(handle.db), salts: new SqlVisitorSalts(handle.db) });
    const clicks = (n: number): CapturedClick[] => Array.from({ length: n }, () => {
      const at = Date.now();
      return { id: newClickId(at), at, workspaceId, linkId, domain: '', ip: '192.0.2.7', userAgent: 'Mozilla/5.0 Firefox/128.0', referer: '', acceptLanguage: '', query: '', linkUtm: {} };
    });
    const stored = async () => Number((await handle.db.selectFrom('clicks').select(({ fn }) => fn.countAll<number>().as('n')).where('link_id', '=', linkId).executeTakeFirstOrThrow()).n);
    const linkClicks = async () => (await handle.db.selectFrom('links').select('clicks').where('id', '=', linkId).executeTakeFirstOrThrow()).clicks;
    async function until(check: () => Promise<boolean>): Promise<void> {
      for (let i = 0; i < 300 && !(await check()); i++) await sleep(50);
    }

    before(async () => {
      handle = await engine.open();
      workspaceId = (await createUser(handle.db)).workspaceId;
    });
    after(async () => {
      for (const r of connections) r.disconnect();
      await handle.close();
    });

    it('delivers every batch written to the stream into storage, then acknowledges and deletes it', async () => {
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(handle.db).insertMany([link]);
      linkId = link.id;
      const key = `${uniquePrefix()}clicks`;
      const sink = new RedisClickSink(connect(), key);
      const consumer = new RedisClickConsumer(connect(), (pieces) => ingest().ingestPieces(pieces), { key, blockMs: 100 });
      consumer.start();
      for (let i = 0; i < 5; i++) await sink.write(clicks(7));
      await until(async () => (await stored()) === 35);
      await consumer.stop();
      assert.equal(await stored(), 35);
      assert.equal(await linkClicks(), 35);
      const redis = connect();
      await until(async () => (await redis.xlen(key)) === 0);
      assert.equal(await redis.xlen(key), 0, 'acknowledged entries are deleted (client addresses do not linger)');
      await redis.del(key);
    });

    it('hands over the next entries while the ones before are still being stored, and acknowledges each read once stored', async () => {
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(handle.db).insertMany([link]);
      linkId = link.id;
      const key = `${uniquePrefix()}clicks`;
      const sink = new RedisClickSink(connect(), key);
      await sink.write(clicks(4));
      let releaseFirst: () => void = () => {};
      const firstHeld = new Promise<void>((resolve) => { releaseFirst = resolve; });
      const handed: number[] = [];
      const consumer = new RedisClickConsumer(connect(), async (pieces) => {
        const batch = [...pieces].flat();
        handed.push(batch.length);
        if (handed.length === 1) await firstHeld; // the first batch's write is slow
        await ingest().ingest(batch);
      }, { key, blockMs: 100, count: 1 });
      consumer.start();
      await until(async () => handed.length === 1);
      await sink.write(clicks(6));
      await until(async () => handed.length === 2);
      const redis = connect();
      assert.equal(((await redis.xpending(key, 'ingest')) as [number])[0], 2, 'both reads in hand, neither acknowledged yet');
      releaseFirst();
      await until(async () => (await stored()) === 10 && ((await redis.xpending(key, 'ingest')) as [number])[0] === 0);
      await consumer.stop();
      assert.equal(await linkClicks(), 10);
      await redis.del(key);
    });

    it('a consumer that dies after committing but before acknowledging: another claims the entry, nothing counts twice', async () => {
      const link = buildLink(workspaceId);
      await new SqlLinkRepository(handle.db).insertMany([link]);
      linkId = link.id;
      const key = `${uniquePrefix()}clicks`;
      await new RedisClickSink(connect(), key).write(clicks(10));
      // The first consumer stores the clicks, then "crashes" before XACK.
      let crashed = false;
      const dying = new RedisClickConsumer(connect(), async (pieces) => {
        await ingest().ingestPieces(pieces);
        crashed = true;
        throw new Error('killed before ack');
      }, { key, blockMs: 100, claimIdleMs: 300 });
      dying.start();
      await until(async () => crashed);
      await dying.stop();
      assert.equal(await stored(), 10);
      const redis = connect();
      const pending = await redis.xpending(key, 'ingest') as [number, ...unknown[]];
      assert.equal(pending[0], 1, 'the entry is still pending');

      const rescuer = new RedisClickConsumer(connect(), (pieces) => ingest().ingestPieces(pieces), { key, blockMs: 100, claimIdleMs: 300 });
      rescuer.start();
      await until(async () => ((await redis.xpending(key, 'ingest')) as [number])[0] === 0);
      await rescuer.stop();
      assert.equal(((await redis.xpending(key, 'ingest')) as [number])[0], 0, 'claimed and acknowledged');
      assert.equal(await stored(), 10, 'redelivery stored nothing new');
      assert.equal(await linkClicks(), 10, 'and counted nothing twice');
      await redis.del(key);
    });
  });
}
