import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickEntryPieces, type EntryCursor } from '../../src/adapters/redis/click-stream-entries.js';

/** Decoding reads only the JSON: a click's other fields do not matter here. */
const click = (n: number) => ({ id: `clk_${n}`, at: 1_700_000_000_000 + n, workspaceId: 'ws_1', linkId: 'lnk_1' });
const entry = (...ns: number[]) => JSON.stringify(ns.map(click));
const ids = (pieces: Iterable<{ id: string }[]>) => [...pieces].flat().map((c) => c.id);
const refuse = (error: Error) => assert.fail(error);

describe('clickEntryPieces', () => {
  it('hands over one entry per piece, in stream order, decoding an entry only when it is asked for', () => {
    const errors: Error[] = [];
    const pieces = clickEntryPieces([entry(1, 2), '{not json', entry(3)], { next: 0 }, Infinity, (e) => errors.push(e));
    assert.deepEqual(pieces.next().value?.map((c) => c.id), ['clk_1', 'clk_2']);
    assert.equal(errors.length, 0, 'the malformed entry is not read yet');
    assert.deepEqual(pieces.next().value?.map((c) => c.id), ['clk_3']);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /click stream entry is not valid JSON; dropped/);
    assert.equal(pieces.next().done, true);
  });

  it('ends a batch once it holds at least the limit, and the next batch goes on from the cursor', () => {
    const entries = [entry(1, 2, 3), entry(4, 5), entry(6), entry(7, 8, 9), undefined, entry(10)];
    const cursor: EntryCursor = { next: 0 };
    assert.deepEqual(ids(clickEntryPieces(entries, cursor, 4, refuse)), ['clk_1', 'clk_2', 'clk_3', 'clk_4', 'clk_5']);
    assert.equal(cursor.next, 2);
    assert.deepEqual(ids(clickEntryPieces(entries, cursor, 4, refuse)), ['clk_6', 'clk_7', 'clk_8', 'clk_9']);
    // A missing entry counts as empty.
    assert.deepEqual(ids(clickEntryPieces(entries, cursor, 4, refuse)), ['clk_10']);
    assert.equal(cursor.next, entries.length);
    assert.deepEqual(ids(clickEntryPieces(entries, cursor, 4, refuse)), []);
  });
});
