import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { MemoryEventFeed } from '../../src/adapters/events/event-feed.memory.js';
import { decodeFeedMessage, encodeFeedMessage } from '../../src/adapters/redis/live-event-json.js';
import type { Actor } from '../../src/core/auth/actor.js';
import { DomainError } from '../../src/core/errors.js';
import { linkClicked, type LiveEvent } from '../../src/core/events/live-event.js';
import { LiveEvents } from '../../src/core/events/live-events.js';
import { EventStream } from '../../src/http/streams/event-stream.js';
import { buildClick } from '../support/clicks.js';

const clicked = (workspaceId: string) => linkClicked(buildClick(workspaceId, 'lnk_1', Date.now(), { referrer: 'https://r.example/' }));

describe('MemoryEventFeed', () => {
  it('delivers each event to its own workspace\'s listeners only, until they unsubscribe', async () => {
    const feed = new MemoryEventFeed();
    const got: Record<string, string[]> = { a1: [], a2: [], b: [] };
    const offA1 = await feed.subscribe('ws_a', (e) => got.a1!.push(e.id));
    await feed.subscribe('ws_a', (e) => got.a2!.push(e.id));
    await feed.subscribe('ws_b', (e) => got.b!.push(e.id));
    const [e1, e2, e3] = [clicked('ws_a'), clicked('ws_b'), clicked('ws_c')];
    feed.publish([e1, e2, e3]);
    assert.deepEqual(got, { a1: [e1.id], a2: [e1.id], b: [e2.id] });
    offA1();
    offA1();
    const e4 = clicked('ws_a');
    feed.publish([e4]);
    assert.deepEqual(got.a1, [e1.id]);
    assert.deepEqual(got.a2, [e1.id, e4.id]);
    assert.equal(feed.listenerCount('ws_a'), 1);
    assert.equal(feed.listenerCount(), 2);
  });

  it('one throwing listener does not keep the event from the others', async () => {
    const feed = new MemoryEventFeed();
    const got: string[] = [];
    await feed.subscribe('ws_a', () => { throw new Error('broken client'); });
    await feed.subscribe('ws_a', (e) => got.push(e.id));
    const event = clicked('ws_a');
    assert.doesNotThrow(() => feed.publish([event]));
    assert.deepEqual(got, [event.id]);
  });

  it('LiveEvents follows the actor\'s own workspace and needs analytics:read', async () => {
    const feed = new MemoryEventFeed();
    const live = new LiveEvents(feed);
    const actor: Actor = { kind: 'api-key', userId: 'u', apiKeyId: 'k', workspaceId: 'ws_a', scopes: new Set(['analytics:read']) };
    await live.follow(actor, () => {});
    assert.equal(feed.listenerCount('ws_a'), 1);
    await assert.rejects(live.follow({ ...actor, scopes: new Set(['links:read']) }, () => {}), (e: unknown) => e instanceof DomainError && e.code === 'insufficient-scope');
  });
});

describe('feed messages (Redis wire format)', () => {
  it('round-trip events with their dates, and reject what they do not know', () => {
    const events: LiveEvent[] = [clicked('ws_a'), clicked('ws_a')];
    const decoded = decodeFeedMessage(encodeFeedMessage({ origin: 'o1', events }));
    assert.deepEqual(decoded, { origin: 'o1', events });
    assert.equal(decodeFeedMessage('not json'), null);
    assert.equal(decodeFeedMessage('{"events":[]}'), null);
    const unknown = JSON.stringify({ origin: 'o1', events: [{ ...events[0], type: 'link.teleported' }] });
    assert.deepEqual(decodeFeedMessage(unknown), { origin: 'o1', events: [] });
  });
});

describe('EventStream', () => {
  const read = (stream: EventStream) => { const chunk = stream.read() as Buffer | null; return chunk ? chunk.toString() : ''; };

  it('writes SSE messages after a first comment that flushes the headers', () => {
    const stream = new EventStream({ heartbeatMs: 60_000, maxBufferedBytes: 10_000 });
    stream.send('link.clicked', 'id-1', '{"a":1}');
    assert.equal(read(stream), ': connected\n\nevent: link.clicked\nid: id-1\ndata: {"a":1}\n\n');
    stream.destroy();
  });

  it('is destroyed, not grown, when the reader falls more than maxBufferedBytes behind', async () => {
    const stream = new EventStream({ heartbeatMs: 60_000, maxBufferedBytes: 1000 });
    const failed = once(stream, 'error');
    for (let i = 0; i < 100 && !stream.destroyed; i++) stream.send('link.clicked', `id-${i}`, 'x'.repeat(100));
    assert.ok(stream.destroyed);
    const [error] = await failed;
    assert.match((error as Error).message, /fell more than 1000 bytes behind/);
    assert.ok(stream.readableLength <= 1000);
  });

  it('sends heartbeats, and stops them when it ends', async () => {
    const stream = new EventStream({ heartbeatMs: 20, maxBufferedBytes: 10_000 });
    read(stream);
    // Wait for two heartbeats however slow the machine is, rather than a fixed time.
    let text = '';
    for (let i = 0; i < 250 && (text.match(/: heartbeat\n\n/g) ?? []).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      text += read(stream);
    }
    assert.match(text, /^(: heartbeat\n\n){2,}$/);
    const finished = stream.finish(1000);
    stream.resume();
    await finished;
    assert.ok(stream.destroyed);
  });

  it('finish() cuts off a reader that does not take the end within the grace time', async () => {
    const stream = new EventStream({ heartbeatMs: 60_000, maxBufferedBytes: 10_000 });
    const started = Date.now();
    await stream.finish(50);
    assert.ok(stream.destroyed && Date.now() - started < 1000);
  });
});
