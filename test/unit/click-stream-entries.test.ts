import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeClickEntries } from '../../src/adapters/redis/click-stream-entries.js';

/** Decoding reads only the JSON: a click's other fields do not matter here. */
const click = (n: number) => ({ id: `clk_${n}`, at: 1_700_000_000_000 + n, workspaceId: 'ws_1', linkId: 'lnk_1' });

describe('decodeClickEntries', () => {
  it('returns every entry\'s clicks in stream order across event-loop turns', async () => {
    const entries = Array.from({ length: 35 }, (_, e) => JSON.stringify([click(e * 2), click(e * 2 + 1)]));
    let turns = 0;
    let counting = true;
    const tick = () => { if (counting) { turns++; setImmediate(tick); } };
    setImmediate(tick);
    const clicks = await decodeClickEntries(entries, (error) => assert.fail(error));
    counting = false;
    assert.deepEqual(clicks.map((c) => c.id), Array.from({ length: 70 }, (_, n) => `clk_${n}`));
    // 35 entries, ten per turn: the event loop had three looks in between.
    assert.ok(turns >= 3, `turns ${turns}`);
  });

  it('reports a malformed or missing entry and keeps the others', async () => {
    const errors: Error[] = [];
    const clicks = await decodeClickEntries([JSON.stringify([click(1)]), '{not json', undefined, JSON.stringify([click(2)])], (e) => errors.push(e));
    assert.deepEqual(clicks.map((c) => c.id), ['clk_1', 'clk_2']);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /click stream entry is not valid JSON; dropped/);
  });
});
