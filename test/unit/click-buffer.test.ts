import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CapturedClick } from '../../src/core/analytics/click.js';
import { ClickBuffer } from '../../src/core/analytics/click-buffer.js';
import type { ClickSink } from '../../src/core/analytics/ports.js';
import { newClickId } from '../../src/core/ids.js';

let n = 0;
const click = (linkId = 'lnk_a'): CapturedClick => ({
  id: `c${++n}`, at: Date.now(), workspaceId: 'ws', linkId, domain: '', ip: '198.51.100.1', userAgent: 'UA', referer: '',
  acceptLanguage: '', query: '', linkUtm: {},
});

/** A sink that stores batches, and fails while `down` is set. */
class FakeSink implements ClickSink {
  readonly batches: CapturedClick[][] = [];
  down = false;
  gate: Promise<void> | null = null;
  async write(batch: CapturedClick[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.down) throw new Error('store down');
    this.batches.push(batch);
  }
  get stored(): string[] { return this.batches.flat().map((c) => c.id); }
}

describe('ClickBuffer', () => {
  it('writes captured clicks in order, in batches of batchSize, on flush', async () => {
    const sink = new FakeSink();
    const buffer = new ClickBuffer(sink, { batchSize: 2 });
    const clicks = [click(), click(), click(), click('lnk_b'), click()];
    for (const c of clicks) buffer.capture(c);
    assert.equal(buffer.pending('lnk_a'), 4);
    assert.equal(buffer.pending('lnk_b'), 1);
    await buffer.flush();
    assert.deepEqual(sink.batches.map((b) => b.length), [2, 2, 1]);
    assert.deepEqual(sink.stored, clicks.map((c) => c.id));
    assert.equal(buffer.pending('lnk_a'), 0);
    assert.deepEqual(buffer.stats(), { buffered: 0, written: 5, dropped: 0 });
  });

  it('keeps a failed batch, in order, ahead of newer clicks, and pending() still counts it', async () => {
    const sink = new FakeSink();
    const buffer = new ClickBuffer(sink);
    const first = [click(), click()];
    for (const c of first) buffer.capture(c);
    sink.down = true;
    await assert.rejects(buffer.flush(), /store down/);
    assert.equal(buffer.pending('lnk_a'), 2);
    const later = click();
    buffer.capture(later);
    sink.down = false;
    await buffer.flush();
    assert.deepEqual(sink.stored, [...first, later].map((c) => c.id));
    assert.equal(buffer.pending('lnk_a'), 0);
  });

  it('flush() waits for a write in progress and also writes what came after it', async () => {
    const sink = new FakeSink();
    let open!: () => void;
    sink.gate = new Promise((resolve) => { open = resolve; });
    const buffer = new ClickBuffer(sink, { intervalMs: 5 });
    buffer.start();
    buffer.capture(click());
    await sleep(30); // the timer's write is now waiting on the gate
    buffer.capture(click());
    const flushed = buffer.flush();
    open();
    sink.gate = null;
    await flushed;
    assert.equal(sink.stored.length, 2);
    await buffer.close();
  });

  it('past capacity drops new clicks and counts them (memory stays bounded)', async () => {
    const sink = new FakeSink();
    const buffer = new ClickBuffer(sink, { capacity: 3 });
    for (let i = 0; i < 5; i++) buffer.capture(click());
    assert.deepEqual(buffer.stats(), { buffered: 3, written: 0, dropped: 2 });
    assert.equal(buffer.pending('lnk_a'), 3);
    await buffer.flush();
    assert.equal(sink.stored.length, 3);
  });

  it('writes on its timer, and a full batch without waiting for the timer', async () => {
    const sink = new FakeSink();
    const timed = new ClickBuffer(sink, { intervalMs: 20 });
    timed.start();
    timed.capture(click());
    await sleep(80);
    assert.equal(sink.stored.length, 1);
    await timed.close();

    const full = new FakeSink();
    const buffer = new ClickBuffer(full, { intervalMs: 60_000, batchSize: 3 });
    buffer.start();
    for (let i = 0; i < 3; i++) buffer.capture(click());
    assert.equal(full.stored.length, 0, 'never inside the capturing call');
    await sleep(20);
    assert.equal(full.stored.length, 3);
    await buffer.close();
  });

  it('close() drains, retrying a failing sink, and rejects if it stays down', async () => {
    const sink = new FakeSink();
    const buffer = new ClickBuffer(sink);
    buffer.capture(click());
    sink.down = true;
    setTimeout(() => { sink.down = false; }, 30);
    await buffer.close(5, 20);
    assert.equal(sink.stored.length, 1);

    const dead = new FakeSink();
    dead.down = true;
    const stuck = new ClickBuffer(dead);
    stuck.capture(click());
    await assert.rejects(stuck.close(2, 1), /store down/);
    assert.equal(stuck.stats().buffered, 1);
  });
});

describe('ClickBuffer holding responses until durable', () => {
  it('calls onWritten after the batch is written, on the next turn, with the clicks of the same turn', async () => {
    const sink = new FakeSink();
    const buffer = new ClickBuffer(sink, { intervalMs: 60_000 });
    const order: string[] = [];
    buffer.capture(click(), () => order.push('a'));
    buffer.capture(click(), () => order.push('b'));
    assert.deepEqual(order, [], 'never synchronously');
    await sleep(10);
    assert.deepEqual(order, ['a', 'b']);
    assert.deepEqual(sink.batches.map((b) => b.length), [2], 'one write for the turn');
  });

  it('releases the held responses when the write fails, and keeps the clicks for later', async () => {
    const sink = new FakeSink();
    sink.down = true;
    const errors: unknown[] = [];
    const buffer = new ClickBuffer(sink, { onError: (e) => errors.push(e) });
    let released = false;
    buffer.capture(click(), () => { released = true; });
    await sleep(10);
    assert.equal(released, true, 'availability first: the redirect is still served');
    assert.equal(errors.length, 1);
    assert.equal(buffer.stats().buffered, 1);
    sink.down = false;
    await buffer.flush();
    assert.equal(sink.stored.length, 1);
  });

  it('with concurrentWrites, a later turn\'s held clicks are written while an earlier write still waits', async () => {
    for (const concurrentWrites of [1, 2]) {
      const sink = new FakeSink();
      let open!: () => void;
      sink.gate = new Promise((resolve) => { open = resolve; });
      const buffer = new ClickBuffer(sink, { intervalMs: 60_000, concurrentWrites });
      const released: string[] = [];
      buffer.capture(click(), () => released.push('first'));
      await sleep(5); // the first turn's write now waits on the gate
      sink.gate = null;
      buffer.capture(click(), () => released.push('second'));
      await sleep(10);
      if (concurrentWrites === 1) assert.deepEqual(released, [], 'one write at a time: the second waits behind the first');
      else assert.deepEqual(released, ['second'], 'the second turn went out at once');
      open();
      await sleep(10);
      assert.deepEqual([...released].sort(), ['first', 'second']);
      assert.equal(sink.stored.length, 2);
      assert.deepEqual(buffer.stats(), { buffered: 0, written: 2, dropped: 0 });
    }
  });

  it('releases at once a click dropped for capacity', () => {
    const buffer = new ClickBuffer(new FakeSink(), { capacity: 0 });
    let released = false;
    buffer.capture(click(), () => { released = true; });
    assert.equal(released, true);
  });
});

describe('newClickId', () => {
  it('makes distinct, time-ordered UUIDv7 strings', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => newClickId(1_700_000_000_000 + Math.floor(i / 100)));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(ids[0]!.slice(0, 13), '018bcfe5-6800', 'the first 48 bits are the milliseconds');
    const prefixes = ids.map((id) => id.slice(0, 13));
    assert.deepEqual(prefixes, [...prefixes].sort());
  });
});
