import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { MemoryEventFeed } from '../../src/adapters/events/event-feed.memory.js';
import { linkClicked } from '../../src/core/events/live-event.js';
import { CLICK_COLUMNS } from '../../src/http/click-presenter.js';
import { buildClick } from '../support/clicks.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

const engine = engines[0]!;

interface SseMessage { event?: string; id?: string; data?: string; comment?: string }

/** A plain HTTP client of GET /events that parses what arrives. */
class SseClient {
  readonly messages: SseMessage[] = [];
  readonly ended: Promise<'complete' | 'aborted'>;
  private text = '';

  constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.text += chunk;
      let end: number;
      while ((end = this.text.indexOf('\n\n')) >= 0) {
        const block = this.text.slice(0, end);
        this.text = this.text.slice(end + 2);
        const message: SseMessage = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) message.comment = line.slice(1).trim();
          else {
            const colon = line.indexOf(':');
            (message as Record<string, string>)[line.slice(0, colon)] = line.slice(colon + 2);
          }
        }
        this.messages.push(message);
      }
    });
    response.on('error', () => {});
    this.ended = new Promise((resolve) => response.on('close', () => resolve(response.complete ? 'complete' : 'aborted')));
  }

  static open(port: number, key: string): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      // agent: false: a pooled keep-alive socket is unref'd once the stream completes, and the test
      // would then race the server's FIN with an empty event loop.
      request({ port, host: '127.0.0.1', agent: false, path: '/api/v1/events', headers: { ...bearer(key), accept: 'text/event-stream' } }, (res) => resolve(new SseClient(res)))
        .on('error', reject).end();
    });
  }

  events(): SseMessage[] { return this.messages.filter((m) => m.event !== undefined); }
}

const until = async (condition: () => boolean, what: string, ms = 3000) => {
  for (const start = Date.now(); !condition() && Date.now() - start < ms;) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), what);
};

describe('GET /events', { timeout: 60_000 }, () => {
  let t: TestCurt;
  let a: Tenant;
  let b: Tenant;
  let port: number;
  const feed = () => t.curt.events as MemoryEventFeed;

  before(async () => {
    t = await startCurt(engine, {}, { eventStream: { heartbeatMs: 100, maxBufferedBytes: 64 * 1024 } });
    await t.curt.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.curt.app.server.address() as AddressInfo).port;
    a = await createTenant(t, 'a');
    b = await createTenant(t, 'b');
  });
  after(() => t.close());

  it('a served redirect reaches a connected SSE client of the link\'s workspace (capture → ingest → feed)', async () => {
    const created = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/live' } });
    const link = created.json() as { id: string; slug: string };
    await t.curt.worker.drain(); // its link.created goes out now, before the clients connect
    const [clientA, clientB] = await Promise.all([SseClient.open(port, a.key), SseClient.open(port, b.key)]);
    const hop = await fetch(`http://127.0.0.1:${port}/${link.slug}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 Firefox/128.0' } });
    assert.equal(hop.status, 302);
    await t.curt.clicks.flush();
    await until(() => clientA.events().length === 1, 'client A receives the click');
    const [event] = clientA.events();
    assert.equal(event!.event, 'link.clicked');
    const envelope = JSON.parse(event!.data!) as { type: string; data: { linkId: string; browser: string } };
    assert.equal(envelope.type, 'link.clicked');
    assert.equal(envelope.data.linkId, link.id);
    assert.equal(envelope.data.browser, 'Firefox');
    assert.equal(clientB.events().length, 0, 'another workspace hears nothing');
    clientA.response.destroy();
    clientB.response.destroy();
  });

  it('an SSE client receives its workspace\'s clicks as link.clicked events, and no other workspace\'s', async () => {
    const [clientA, clientB] = await Promise.all([SseClient.open(port, a.key), SseClient.open(port, b.key)]);
    assert.equal(clientA.response.statusCode, 200);
    assert.match(String(clientA.response.headers['content-type']), /^text\/event-stream/);
    assert.equal(clientA.response.headers['cache-control'], 'no-cache');
    assert.equal(clientA.response.headers['x-accel-buffering'], 'no');
    // Headers arrive once the subscription is live, so what is published now must arrive.
    const mine = buildClick(a.workspaceId, 'lnk_a', Date.now(), { referrer: 'https://news.example/x', referrerHost: 'news.example' });
    const theirs = buildClick(b.workspaceId, 'lnk_b', Date.now());
    t.curt.events.publish([linkClicked(mine), linkClicked(theirs)]);
    await until(() => clientA.events().length === 1 && clientB.events().length === 1, 'each client gets one event');
    const [event] = clientA.events();
    assert.equal(event!.event, 'link.clicked');
    assert.equal(event!.id, mine.id);
    const envelope = JSON.parse(event!.data!);
    assert.deepEqual(Object.keys(envelope), ['type', 'timestamp', 'data']);
    assert.equal(envelope.type, 'link.clicked');
    assert.equal(envelope.timestamp, mine.at.toISOString());
    assert.deepEqual(Object.keys(envelope.data), [...CLICK_COLUMNS]);
    assert.equal(envelope.data.id, mine.id);
    assert.equal(envelope.data.referrerHost, 'news.example');
    assert.equal(envelope.data.domain, 'localhost:8080');
    assert.equal(clientB.events()[0]!.id, theirs.id, 'b sees only its own click');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(clientA.events().length, 1, 'nothing of b reaches a');
    clientA.response.destroy();
    clientB.response.destroy();
  });

  it('sends a heartbeat comment while nothing happens', async () => {
    const client = await SseClient.open(port, a.key);
    await until(() => client.messages.filter((m) => m.comment === 'heartbeat').length >= 2, 'heartbeats arrive');
    client.response.destroy();
  });

  it('a disconnect ends the subscription', async () => {
    await until(() => feed().listenerCount() === 0, 'earlier clients are gone');
    const client = await SseClient.open(port, a.key);
    assert.equal(feed().listenerCount(a.workspaceId), 1);
    client.response.destroy();
    await until(() => feed().listenerCount(a.workspaceId) === 0, 'the listener is removed');
  });

  it('a client that falls too far behind is disconnected rather than buffered', async () => {
    await until(() => feed().listenerCount() === 0, 'earlier clients are gone');
    const client = await SseClient.open(port, a.key);
    client.response.pause();
    const click = buildClick(a.workspaceId, 'lnk_a', Date.now(), { referrer: `https://ref.example/${'x'.repeat(1000)}` });
    // Far more than the socket buffers hold: the per-client queue (64 KiB here) must overflow.
    for (let i = 0; i < 400 && feed().listenerCount(a.workspaceId) > 0; i++) {
      t.curt.events.publish(Array.from({ length: 100 }, () => linkClicked(click)));
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(feed().listenerCount(a.workspaceId), 0, 'the slow client was dropped');
    client.response.resume();
    assert.equal(await client.ended, 'aborted');
  });

  it('needs credentials and the analytics:read scope (answered before any stream)', async () => {
    const none = await t.curt.app.inject({ url: '/api/v1/events' });
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['content-type']), /^application\/problem\+json/);
    const scoped = await t.curt.app.inject({ url: '/api/v1/events', headers: bearer(await a.keyWith(['links:read'])) });
    assert.equal(scoped.statusCode, 403);
    assert.equal(scoped.json().code, 'insufficient-scope');
    await until(() => feed().listenerCount() === 0, 'no subscription was made');
  });
});

describe('GET /events on shutdown', { timeout: 30_000 }, () => {
  it('app.close() ends open streams instead of waiting for them', async () => {
    const t = await startCurt(engine);
    try {
      await t.curt.app.listen({ port: 0, host: '127.0.0.1' });
      const a = await createTenant(t);
      const client = await SseClient.open((t.curt.app.server.address() as AddressInfo).port, a.key);
      const started = Date.now();
      await t.curt.app.close();
      assert.ok(Date.now() - started < 2500, `closed in ${Date.now() - started} ms`);
      assert.equal(await client.ended, 'complete', 'the client sees the stream end cleanly and may reconnect');
      assert.equal((t.curt.events as MemoryEventFeed).listenerCount(), 0);
    } finally {
      await t.close();
    }
  });
});
