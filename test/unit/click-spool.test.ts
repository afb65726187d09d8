import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { segmentFile } from '../../src/adapters/clicks/click-spool-files.js';
import { ClickSpoolReader } from '../../src/adapters/clicks/click-spool-reader.js';
import { ClickSpoolWriter } from '../../src/adapters/clicks/click-spool-writer.js';
import type { CapturedClick } from '../../src/core/analytics/click.js';

let n = 0;
const click = (linkId = 'lnk_a'): CapturedClick => ({
  id: `c${++n}`, at: 1_700_000_000_000 + n, workspaceId: 'ws', linkId, domain: '', ip: '198.51.100.1', userAgent: 'UA ü', referer: '',
  acceptLanguage: 'de', query: 'a=1', linkUtm: { source: 'news' },
});
const ids = (clicks: readonly CapturedClick[]) => clicks.map((c) => c.id);

describe('the embedded click spool', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'curt-spool-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads back what was written, in order and whole, in batches from the committed position', async () => {
    const writer = new ClickSpoolWriter(dir);
    const written = [click(), click('lnk_b'), click(), click()];
    await writer.write(written.slice(0, 3));
    await writer.write(written.slice(3));
    const reader = new ClickSpoolReader(dir);
    const first = reader.read(3);
    assert.deepEqual(first.clicks, written.slice(0, 3), 'every field survives');
    // Not committed: read again from the same place.
    assert.deepEqual(ids(new ClickSpoolReader(dir).read(10).clicks), ids(written));
    reader.commit(first.next);
    const rest = reader.read(10);
    assert.deepEqual(ids(rest.clicks), ids(written.slice(3)));
    reader.commit(rest.next);
    assert.equal(reader.read(10).clicks.length, 0);
    assert.equal(new ClickSpoolReader(dir).read(10).clicks.length, 0, 'the position outlives the reader');
    await writer.close();
  });

  it('keeps each link pending until ingest reports it stored, and knows since when', async () => {
    const writer = new ClickSpoolWriter(dir);
    assert.equal(writer.oldestPendingAt(), null);
    await writer.write([click('lnk_a'), click('lnk_a'), click('lnk_b')]);
    assert.equal(writer.pending('lnk_a'), 2);
    assert.equal(writer.backlog(), 3);
    assert.ok(writer.oldestPendingAt() !== null);
    writer.stored([['lnk_a', 1], ['lnk_unknown', 5]]);
    assert.equal(writer.pending('lnk_a'), 1);
    writer.stored([['lnk_a', 4], ['lnk_b', 1]]);
    assert.equal(writer.pending('lnk_a'), 0);
    assert.equal(writer.backlog(), 0);
    assert.equal(writer.oldestPendingAt(), null, 'caught up');
    await writer.close();
  });

  it('past its backlog cap, drops and counts new batches until ingest brings the backlog under 90% of it', async () => {
    const told: [boolean, number][] = [];
    const writer = new ClickSpoolWriter(dir, { maxBacklog: 20, onFull: (full, backlog) => told.push([full, backlog]) });
    const kept = Array.from({ length: 20 }, () => click());
    await writer.write(kept);
    await writer.write([click('lnk_b')]);
    await writer.write([click('lnk_b'), click('lnk_b')]);
    assert.equal(writer.dropped(), 3);
    assert.equal(writer.backlog(), 20);
    assert.equal(writer.pending('lnk_b'), 0, 'dropped clicks are not pending');
    assert.deepEqual(told, [[true, 20]], 'told once');
    writer.stored([['lnk_a', 1]]);
    await writer.write([click()]);
    assert.equal(writer.dropped(), 4, 'at 19 a click would fit, but it resumes only at 18');
    writer.stored([['lnk_a', 1]]);
    assert.deepEqual(told, [[true, 20], [false, 18]]);
    const later = [click(), click()];
    await writer.write(later);
    assert.equal(writer.backlog(), 20);
    assert.deepEqual(ids(new ClickSpoolReader(dir).read(100).clicks), ids([...kept, ...later]), 'nothing dropped reached the file');
    await writer.close();
  });

  it('starts a new segment per process, after the earlier ones and the stored position', async () => {
    const a = new ClickSpoolWriter(dir);
    await a.write([click()]);
    await a.close();
    const b = new ClickSpoolWriter(dir);
    assert.equal(b.firstSegment, a.firstSegment + 1);
    await b.write([click()]);
    const reader = new ClickSpoolReader(dir);
    const batch = reader.read(10);
    assert.deepEqual(batch.segments, [a.firstSegment, b.firstSegment]);
    reader.commit(batch.next);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.ndjson')), [`${String(b.firstSegment).padStart(12, '0')}.ndjson`], 'the ingested segment is deleted');
    // Every segment gone, the position remains: a new writer still starts after it.
    rmSync(segmentFile(dir, b.firstSegment));
    assert.equal(new ClickSpoolWriter(dir).firstSegment, b.firstSegment + 1);
    await b.close();
  });

  it('skips the torn tail a crashed writer left, and waits for a line the live writer is still writing', async () => {
    const crashed = [click(), click()];
    writeFileSync(segmentFile(dir, 1), crashed.map((c) => JSON.stringify([c]) + '\n').join('') + '[{"id":"c-torn","at":17');
    const writer = new ClickSpoolWriter(dir);
    const live = click();
    await writer.write([live]);
    // The newest segment with half a line at its end: that line is not read yet.
    appendFileSync(segmentFile(dir, writer.firstSegment), '[{"id":"half');
    const reader = new ClickSpoolReader(dir);
    const batch = reader.read(10);
    assert.deepEqual(ids(batch.clicks), [...ids(crashed), live.id]);
    assert.equal(batch.skipped, 1, 'the torn line is skipped and counted');
    reader.commit(batch.next);
    appendFileSync(segmentFile(dir, writer.firstSegment), `"}]\n${JSON.stringify([click()])}\n`);
    const next = reader.read(10);
    assert.equal(next.clicks.length, 1, 'the completed line that is not a batch of clicks is skipped, the next is read');
    assert.equal(next.skipped, 1);
    await writer.close();
  });

  it('reads across chunk boundaries of a large segment, and a batch longer than a read', async () => {
    const writer = new ClickSpoolWriter(dir);
    const many: CapturedClick[] = [];
    // ~7 MB of clicks: more than one 4 MB read.
    for (let i = 0; i < 20; i++) {
      const batch = Array.from({ length: 1000 }, () => ({ ...click(), userAgent: 'x'.repeat(300) }));
      many.push(...batch);
      await writer.write(batch);
    }
    // One line longer than a read: a flush's batch.
    const big = Array.from({ length: 12_000 }, () => ({ ...click(), userAgent: 'y'.repeat(400) }));
    many.push(...big);
    await writer.write(big);
    many.push(click());
    await writer.write([many.at(-1)!]);
    const reader = new ClickSpoolReader(dir);
    const got: string[] = [];
    for (let batch = reader.read(7_000); batch.clicks.length > 0; batch = reader.read(7_000)) {
      got.push(...ids(batch.clicks));
      reader.commit(batch.next);
    }
    assert.deepEqual(got, ids(many));
    await writer.close();
  });
});
