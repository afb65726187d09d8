import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisEventFeed } from '../../src/adapters/redis/event-feed.redis.js';
import { linkClicked, type LiveEvent } from '../../src/core/events/live-event.js';
import { buildClick } from '../support/clicks.js';
import { redisSkip, redisUrl } from '../support/redis.js';

const skip = await redisSkip();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clicked = (workspaceId: string) => linkClicked(buildClick(workspaceId, 'lnk_1', Date.now(), { referrer: 'https://r.example/' }));

describe('RedisEventFeed', { skip, timeout: 30_000 }, () => {
  // A prefix of its own per run: parallel runs and other tests never hear these messages.
  const prefix = `curt-test-${randomBytes(6).toString('hex')}:`;
  const name = prefix.replace(/\W/g, '-');
  let admin: Redis;
  let shared: Redis;
  let a: RedisEventFeed;
  let b: RedisEventFeed;
  const numsub = async (workspaceId: string) => Number((await admin.pubsub('NUMSUB', `${prefix}events:${workspaceId}`))[1]);
  const until = async (condition: () => boolean | Promise<boolean>, what: string) => {
    for (const start = Date.now(); !(await condition()) && Date.now() - start < 5000;) await sleep(20);
    assert.ok(await condition(), what);
  };

  before(async () => {
    admin = new Redis(redisUrl);
    // b shares a named client for publishing: its subscriber connection carries the name too.
    shared = new Redis(redisUrl, { connectionName: name });
    await shared.ping();
    a = new RedisEventFeed(redisUrl, { channelPrefix: prefix });
    b = new RedisEventFeed(shared, { channelPrefix: prefix });
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    shared.disconnect();
    admin.disconnect();
  });

  it('delivers an event published on one instance to the other\'s listeners, exactly once, and locally exactly once', async () => {
    const onB: LiveEvent[] = [];
    const onA: LiveEvent[] = [];
    const offB = await b.subscribe('ws_1', (e) => onB.push(e));
    const offA = await a.subscribe('ws_1', (e) => onA.push(e));
    await until(() => a['publisher'].status === 'ready', 'a is connected');
    const mine = clicked('ws_1');
    a.publish([mine, clicked('ws_2')]);
    await until(() => onB.length > 0, 'b hears a\'s event');
    await sleep(200); // time for any duplicate to show up
    assert.deepEqual(onB, [mine], 'once, dates and all, and nothing of ws_2');
    assert.deepEqual(onA, [mine], 'a\'s own listener hears it once: a ignores its own message');
    offA();
    offB();
  });

  it('subscribes only to workspaces with a listener here, and unsubscribes when the last one leaves', async () => {
    assert.equal(await numsub('ws_idle'), 0);
    const off1 = await b.subscribe('ws_3', () => {});
    const off2 = await b.subscribe('ws_3', () => {});
    assert.equal(await numsub('ws_3'), 1, 'one Redis subscription per workspace and instance');
    off1();
    await sleep(50);
    assert.equal(await numsub('ws_3'), 1);
    off2();
    await until(async () => (await numsub('ws_3')) === 0, 'the channel is left');
  });

  it('resubscribes after its connection drops', async () => {
    const onB: LiveEvent[] = [];
    const off = await b.subscribe('ws_4', (e) => onB.push(e));
    const clients = (await admin.client('LIST')) as string;
    const ids = clients.split('\n').filter((line) => line.includes(`name=${name} `) && / flags=P /.test(line)).map((line) => /id=(\d+)/.exec(line)![1]!);
    assert.equal(ids.length, 1, 'b\'s subscriber connection is found');
    await admin.client('KILL', 'ID', ids[0]!);
    await until(async () => (await numsub('ws_4')) === 1 && b['subscriber'].status === 'ready', 'b is subscribed again');
    const event = clicked('ws_4');
    a.publish([event]);
    await until(() => onB.length > 0, 'b hears events again');
    assert.deepEqual(onB, [event]);
    off();
  });

  it('leaves a shared client open on close', async () => {
    const c = new RedisEventFeed(shared, { channelPrefix: prefix });
    await c.subscribe('ws_5', () => {});
    await c.close();
    assert.equal(shared.status, 'ready');
    assert.equal(await shared.ping(), 'PONG');
  });
});
