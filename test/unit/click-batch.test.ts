import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RAW_COPY_COLUMNS, prepareClicks } from '../../src/adapters/db/click-batch.js';
import { buildClick } from '../support/clicks.js';

/** Counts event-loop turns (setImmediate callbacks) until stopped. */
function turnCounter(): { stop(): number } {
  let turns = 0;
  let running = true;
  const tick = () => { if (running) { turns++; setImmediate(tick); } };
  setImmediate(tick);
  return { stop: () => { running = false; return turns; } };
}

const start = Date.UTC(2026, 10, 24, 9);
const events = Array.from({ length: 2_000 }, (_, i) => buildClick(`ws_${i % 3}`, `lnk_${i % 40}`, start + i * 3_000, {
  referrer: i % 7 === 0 ? `https://ref.example/${i}\twith\\tab` : null, country: i % 2 ? 'DE' : 'FR', bot: i % 11 === 0,
}));

describe('prepareClicks', () => {
  it('gives the same statement parameters whether or not it lets the event loop in', async () => {
    const quiet = await prepareClicks(events, false);
    const yielding = await prepareClicks(events, true);
    assert.deepEqual({ ...yielding, raw: Buffer.from(yielding.raw) }, { ...quiet, raw: Buffer.from(quiet.raw) });
  });

  it('lets the event loop in many times over a batch when asked to, never when not', async () => {
    let counter = turnCounter();
    await prepareClicks(events, false);
    assert.equal(counter.stop(), 0);
    counter = turnCounter();
    await prepareClicks(events, true);
    // Every 250 clicks, and between the rollup encodings.
    assert.ok(counter.stop() >= 8);
  });

  it('writes one raw COPY row per click with every column, in the batch order', async () => {
    const { raw } = await prepareClicks(events, true);
    const lines = Buffer.from(raw).toString('utf8').split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, events.length);
    lines.forEach((line, i) => {
      const fields = line.split('\t');
      assert.equal(fields.length, RAW_COPY_COLUMNS.length);
      assert.equal(fields[0], events[i]!.id);
      assert.equal(fields[1], events[i]!.at.toISOString());
      assert.equal(fields[5], events[i]!.referrer === null ? '\\N' : events[i]!.referrer!.replace(/\\/g, '\\\\').replace(/\t/g, '\\t'));
      assert.equal(fields[17], events[i]!.bot ? 't' : 'f');
    });
  });
});
