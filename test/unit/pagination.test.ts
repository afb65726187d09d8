import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../../src/core/errors.js';
import { newId } from '../../src/core/ids.js';
import { decodeCursor, encodeCursor, PAGE_DEFAULT, PAGE_MAX } from '../../src/core/pagination.js';

const isBadCursor = (e: unknown) => {
  assert.ok(e instanceof DomainError, String(e));
  assert.equal(e.code, 'validation-failed');
  assert.deepEqual(e.fieldErrors.map((f) => f.pointer), ['/cursor']);
  return true;
};

describe('cursors', () => {
  it('round-trip string and number positions', () => {
    for (const position of [
      { value: '2030-01-01T00:00:00.000Z', id: 'lnk_01abc' }, { value: 0, id: 'x' }, { value: 123456789, id: 'lnk_z' },
      { value: -1.5, id: '' }, { value: 'ünïcode ✓ "quoted"', id: 'id/with+chars' },
    ]) {
      const cursor = encodeCursor(position);
      assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'URL-safe without escaping');
      assert.deepEqual(decodeCursor(cursor), position);
    }
  });

  it('treat a missing or empty cursor as the first page', () => {
    assert.equal(decodeCursor(undefined), null);
    assert.equal(decodeCursor(''), null);
  });

  it('reject garbage as validation-failed at /cursor', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const cursor of ['garbage', '!!!', '%%%', 'eyJ', b64('{}'), b64('[]'), b64('["a"]'), b64('["a","b","c"]'), b64('[1,2]'),
      b64('[null,"id"]'), b64('[{"x":1},"id"]'), b64('[true,"id"]'), b64('"just a string"'), b64('null'), b64('42')]) {
      assert.throws(() => decodeCursor(cursor), isBadCursor, cursor);
    }
  });

  it('have the documented page sizes', () => {
    assert.equal(PAGE_DEFAULT, 50);
    assert.equal(PAGE_MAX, 100);
  });
});

describe('newId', () => {
  it('has the prefix, an underscore and 26 lower-case Crockford base32 characters', () => {
    for (const prefix of ['lnk', 'usr', 'ws', 'key']) {
      const id = newId(prefix);
      assert.match(id, new RegExp(`^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`), id);
      assert.equal(id.length, prefix.length + 27);
    }
  });

  it('is unique', () => {
    const ids = Array.from({ length: 2000 }, () => newId('lnk', 1_900_000_000_000));
    assert.equal(new Set(ids).size, ids.length);
  });

  it('sorts by creation time', () => {
    const times = [0, 1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001, 1_900_000_000_000, 2 ** 48 - 1];
    const ids = times.map((t) => newId('lnk', t));
    assert.deepEqual([...ids].sort(), ids);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
  });

  it('sorts in creation order within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => newId('job', 1_900_000_000_123));
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1]! < ids[i]!, `${ids[i - 1]} < ${ids[i]}`);
    const again = newId('job', 1_900_000_000_124);
    assert.ok(again > ids.at(-1)!, 'the next millisecond starts afresh, still after');
  });

  it('encodes the time in the first 10 characters', () => {
    const a = newId('lnk', 1_700_000_000_000);
    const b = newId('lnk', 1_700_000_000_000);
    assert.equal(a.slice(0, 14), b.slice(0, 14));
    assert.notEqual(a.slice(14), b.slice(14));
    assert.equal(newId('x', 0).slice(2, 12), '0000000000');
    assert.equal(newId('x', 33).slice(2, 12), '0000000011');
  });

  it('defaults to the current time', () => {
    const before = newId('lnk', Date.now() - 1);
    const id = newId('lnk');
    const after = newId('lnk', Date.now() + 1);
    assert.ok(before < id && id < after);
  });
});
