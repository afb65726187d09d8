import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CopyData } from '../../src/adapters/db/copy-from.js';

/** COPY's text format the plain way: escaped strings joined, then encoded by Buffer. */
function reference(rows: (string | null)[][]): Buffer {
  const escapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
  const field = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\t\n\r]/g, (c) => escapes[c]!));
  return Buffer.from(rows.map((r) => `${r.map(field).join('\t')}\n`).join(''), 'utf8');
}

function encode(rows: (string | null)[][]): Buffer {
  const data = new CopyData(0);
  for (const row of rows) {
    for (const value of row) data.field(value);
    data.endRow();
  }
  return Buffer.from(data.bytes());
}

/** A deterministic pseudo-random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CopyData (COPY text format)', () => {
  it('escapes backslash, tab, newline and carriage return; null is \\N; empty is empty', () => {
    const rows = [['a\\b', 'tab\there', 'line\nbreak', 'cr\rhere', null, '', 'plain'], ['\\N', 'null', '{"x":[1,2]}']];
    assert.deepEqual(encode(rows), reference(rows));
    assert.equal(encode([['a\tb', null]]).toString('latin1'), 'a\\tb\t\\N\n');
  });

  it('encodes UTF-8 as Buffer does: 2- and 3-byte characters, surrogate pairs, lone surrogates as U+FFFD', () => {
    const rows = [['é', 'Ωmega', '中文', '😀 emoji', 'a\ud800b', 'end\udc00', '\ud83d', 'x\udfff\ud800y', '\u07ff\u0800\uffff']];
    assert.deepEqual(encode(rows), reference(rows));
  });

  it('matches the plain encoding on random rows, growing its buffer from the smallest start', () => {
    const next = random(20261124);
    const alphabet = ['a', 'Z', '0', ' ', '\\', '\t', '\n', '\r', ',', '"', 'é', '中', '😀', '\ud800', '\udc00', '\u0000', '\u007f'];
    const rows: (string | null)[][] = [];
    for (let r = 0; r < 2000; r++) {
      const row: (string | null)[] = [];
      for (let f = 0; f < 19; f++) {
        if (next() < 0.1) { row.push(null); continue; }
        let value = '';
        const length = Math.floor(next() * 40);
        for (let i = 0; i < length; i++) value += alphabet[Math.floor(next() * alphabet.length)];
        row.push(value);
      }
      rows.push(row);
    }
    assert.deepEqual(encode(rows), reference(rows));
  });
});
