import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClickSpoolWriter } from '../../src/adapters/clicks/click-spool-writer.js';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import type { CapturedClick, ClickEvent } from '../../src/core/analytics/click.js';
import { MAX_DEFER_MS, SpoolIngest, eventLoopLoad, type ServingLoad, type SpoolIngestInput, type SpoolIngestOutput } from '../../src/composition/spool-ingest.js';

let n = 0;
const click = (linkId = 'lnk_a'): CapturedClick => ({
  id: `c${++n}`, at: Date.now(), workspaceId: 'ws', linkId, domain: '', ip: '198.51.100.1', userAgent: 'UA', referer: '',
  acceptLanguage: '', query: '', linkUtm: {},
});

/** The database thread's task, faked: takes clicks from a queue as the real one takes them from the spool. */
function fakeThread(queue: CapturedClick[]) {
  const runs: SpoolIngestInput[] = [];
  const handle = {
    runTask: async (input: unknown) => {
      const { max } = input as SpoolIngestInput;
      runs.push(input as SpoolIngestInput);
      const taken = queue.splice(0, max);
      const byLink = new Map<string, number>();
      for (const c of taken) byLink.set(c.linkId, (byLink.get(c.linkId) ?? 0) + 1);
      const output: SpoolIngestOutput = {
        read: taken.length, skipped: 0, stored: taken.map((c) => ({ id: c.id, linkId: c.linkId }) as unknown as ClickEvent),
        byLink: [...byLink], more: taken.length >= max,
      };
      return output;
    },
  } as unknown as DatabaseHandle;
  return { handle, runs };
}

/** A serving load the test decides. */
const loadOf = (busy: () => boolean): ServingLoad => ({ busy, stop: () => {} });

describe('SpoolIngest', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'curt-spool-ingest-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores the spool, tells the listeners, and clears the links pending', async () => {
    const writer = new ClickSpoolWriter(dir);
    const batch = [click('lnk_a'), click('lnk_a'), click('lnk_b')];
    await writer.write(batch);
    const { handle } = fakeThread([...batch]);
    const heard: string[] = [];
    const ingest = new SpoolIngest({ handle, writer, notify: (stored) => heard.push(...stored.map((e) => e.id)), onError: (e) => { throw e; }, load: loadOf(() => false) });
    await ingest.drain();
    assert.deepEqual(heard, batch.map((c) => c.id));
    assert.equal(writer.pending('lnk_a'), 0);
    assert.equal(writer.backlog(), 0);
    await writer.close();
  });

  it('waits while serving is busy, but never longer than MAX_DEFER_MS behind the oldest click', async () => {
    const writer = new ClickSpoolWriter(dir);
    await writer.write([click()]);
    const queue = [click()];
    const { handle, runs } = fakeThread(queue);
    let now = Date.now();
    let busy = true;
    const ingest = new SpoolIngest({ handle, writer, notify: () => {}, onError: (e) => { throw e; }, load: loadOf(() => busy), now: () => now, firstLookMs: 0 });
    ingest.start();
    await sleep(450);
    assert.equal(runs.length, 0, 'no ingest during the burst');
    assert.ok(ingest.deferred() >= 2);
    now += MAX_DEFER_MS;
    await sleep(300);
    assert.ok(runs.length >= 1, 'ingest ran once the oldest click waited MAX_DEFER_MS');
    assert.equal(queue.length, 0);
    busy = false;
    await ingest.stop();
    await writer.close();
  });

  it("defers a crashed process's spool too, as long, and stop() drains what is left", async () => {
    const writer = new ClickSpoolWriter(dir);
    const queue = Array.from({ length: 12_000 }, () => click());
    const { handle, runs } = fakeThread(queue);
    let now = Date.now();
    const ingest = new SpoolIngest({ handle, writer, notify: () => {}, onError: (e) => { throw e; }, load: loadOf(() => true), now: () => now, firstLookMs: 0 });
    // Busy, and nothing of this process pending: the clicks are an earlier process's.
    ingest.start();
    await sleep(450);
    assert.equal(runs.length, 0);
    now += MAX_DEFER_MS;
    await sleep(300);
    assert.ok(runs.length >= 1, 'ingest ran MAX_DEFER_MS after it first waited');
    queue.push(...Array.from({ length: 7_000 }, () => click()));
    await ingest.stop();
    assert.equal(queue.length, 0, 'a graceful stop stores everything spooled');
    await writer.close();
  });
});

/** Keeps the event loop busy for `ms`: synchronous work in slices, as a burst of redirects does. */
async function spin(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const slice = performance.now() + 5;
    while (performance.now() < slice) { /* busy */ }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('eventLoopLoad', () => {
  it('reads busy within a fraction of a second of a burst starting, and idle soon after it ends', async () => {
    const load = eventLoopLoad(0.5, 100);
    try {
      await sleep(250);
      assert.equal(load.busy(), false, 'an idle loop');
      // The burst begins long after the previous look: the last window alone decides.
      await spin(150);
      assert.equal(load.busy(), true, 'busy 150 ms into a burst');
      await sleep(250);
      assert.equal(load.busy(), false, 'idle again once the burst is over');
    } finally {
      load.stop();
    }
  });
});
