import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CapturedClick, ClickEvent } from '../../src/core/analytics/click.js';
import { ClickIngest } from '../../src/core/analytics/click-ingest.js';
import type { ClickStore, PreparedClicks } from '../../src/core/analytics/ports.js';

let n = 0;
const captured = (count: number): CapturedClick[] => Array.from({ length: count }, () => ({
  id: `c${++n}`, at: Date.now(), workspaceId: 'ws', linkId: 'lnk_a', domain: '', ip: '198.51.100.1', userAgent: 'UA', referer: '',
  acceptLanguage: '', query: '', linkUtm: {},
}));
const enricher = {
  enrich: (click: CapturedClick): ClickEvent => ({
    id: click.id, at: new Date(click.at), workspaceId: click.workspaceId, linkId: click.linkId, domain: '', referrer: null,
    referrerHost: null, country: null, device: null, browser: null, os: null, language: null, utmSource: null, utmMedium: null,
    utmCampaign: null, utmTerm: null, utmContent: null, bot: false, visitorId: '0'.repeat(32),
  }),
};
const salts = { saltFor: async () => new Uint8Array(32).fill(7) };

/** A store whose writes wait for the test to release them, recording what happened when. */
class GatedStore implements ClickStore {
  readonly log: string[] = [];
  private readonly releases: (() => void)[] = [];
  private readonly failing = new Set<number>();
  private writes = 0;

  failWrite(nth: number): void { this.failing.add(nth); }
  async prepare(events: readonly ClickEvent[]): Promise<PreparedClicks> {
    this.log.push(`prepared ${events.length}`);
    return { events };
  }
  async write(prepared: PreparedClicks): Promise<ClickEvent[]> {
    const nth = ++this.writes;
    this.log.push(`write ${prepared.events.length} begins`);
    await new Promise<void>((resolve) => this.releases.push(resolve));
    this.log.push(`write ${prepared.events.length} ends`);
    if (this.failing.has(nth)) throw new Error('database down');
    return [...prepared.events];
  }
  async ingest(events: readonly ClickEvent[]): Promise<ClickEvent[]> { return this.write(await this.prepare(events)); }
  release(): void { this.releases.shift()?.(); }
  async settle(): Promise<void> { for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve)); }
}

describe('ClickIngest', () => {
  it('prepares the next batch while one is written, and writes one batch at a time', async () => {
    const store = new GatedStore();
    const ingest = new ClickIngest({ enricher, store, salts });
    const first = ingest.ingest(captured(3));
    await store.settle();
    // 1,200 clicks: enriched in slices with looks at the event loop in between.
    const second = ingest.ingest(captured(1200));
    await store.settle();
    assert.deepEqual(store.log, ['prepared 3', 'write 3 begins', 'prepared 1200'], 'the second batch is ready, its write waits');
    store.release();
    assert.equal((await first).length, 3);
    await store.settle();
    assert.deepEqual(store.log.slice(3), ['write 3 ends', 'write 1200 begins']);
    store.release();
    assert.equal((await second).length, 1200);
  });

  it('a failed write rejects its own batch only; the next one is written after it', async () => {
    const store = new GatedStore();
    store.failWrite(1);
    const ingest = new ClickIngest({ enricher, store, salts });
    const heard: number[] = [];
    ingest.onClicks((events) => heard.push(events.length));
    const first = ingest.ingest(captured(2));
    const second = ingest.ingest(captured(5));
    await store.settle();
    store.release();
    await assert.rejects(first, /database down/);
    await store.settle();
    store.release();
    assert.equal((await second).length, 5);
    assert.deepEqual(heard, [5], 'listeners hear only of stored clicks');
  });

  it('reads a batch handed over in pieces one piece at a time, enriching each before the next is produced, with looks at the event loop', async () => {
    const log: string[] = [];
    const pieces = Array.from({ length: 30 }, () => captured(50));
    const last = pieces.at(-1)!.at(-1)!.id;
    let turnsWhileEnriching = 0;
    const spy = {
      enrich: (click: CapturedClick) => {
        log.push(`enrich ${click.id}`);
        if (click.id === last) turnsWhileEnriching = turns;
        return enricher.enrich(click);
      },
    };
    function* produce(): Generator<CapturedClick[]> {
      for (let i = 0; i < pieces.length; i++) {
        log.push(`piece ${i}`);
        yield pieces[i]!;
      }
    }
    const store = new GatedStore();
    let turns = 0;
    let counting = true;
    const tick = () => { if (counting) { turns++; setImmediate(tick); } };
    setImmediate(tick);
    const stored = new ClickIngest({ enricher: spy, store, salts }).ingestPieces(produce());
    await store.settle();
    counting = false;
    store.release();
    assert.deepEqual((await stored).map((e) => e.id), pieces.flat().map((c) => c.id));
    const expected = pieces.flatMap((piece, i) => [`piece ${i}`, ...piece.map((c) => `enrich ${c.id}`)]);
    assert.deepEqual(log, expected, 'each piece is produced only once the one before is enriched');
    // 1,500 clicks, a look every 250.
    assert.ok(turnsWhileEnriching >= 5, `turns ${turnsWhileEnriching}`);
  });

  it('stores nothing for a batch whose pieces hold no clicks', async () => {
    const store = new GatedStore();
    assert.deepEqual(await new ClickIngest({ enricher, store, salts }).ingestPieces([[], []]), []);
    assert.deepEqual(store.log, []);
  });
});
