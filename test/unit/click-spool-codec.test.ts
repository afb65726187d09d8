import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBatch, encodeBatch } from '../../src/adapters/clicks/click-spool-codec.js';
import type { CapturedClick } from '../../src/core/analytics/click.js';

const click = (over: Partial<CapturedClick> = {}): CapturedClick => ({
  id: '0190f5a2-1b3c-7000-8000-00000000a1b2', at: 1_700_000_000_123, workspaceId: 'wsp_1', linkId: 'lnk_1', linkUtm: {},
  domain: '', ip: '2001:db8::1', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', referer: 'https://news.example/a?b=c&d=e',
  acceptLanguage: 'en-GB,en;q=0.8', query: 'utm_source=x', ...over,
});

describe('the click spool line format', () => {
  it('is one line of JSON that gives back every field', () => {
    const batch = [click(), click({ id: 'b', linkUtm: { source: 'news', campaign: 'launch' }, domain: 'go.example' })];
    const line = encodeBatch(batch);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    assert.doesNotThrow(() => JSON.parse(line));
    assert.deepEqual(decodeBatch(line.trimEnd()), batch);
  });

  it('escapes what JSON must escape, in any field a visitor controls', () => {
    const nasty = 'a "quoted" \\ back\\slash\n\r\t\u0000\u001f \u2028 ü 日本 😀 </script>';
    const batch = [click({ userAgent: nasty, referer: nasty, acceptLanguage: nasty, query: nasty, ip: nasty, domain: nasty })];
    const line = encodeBatch(batch);
    assert.equal(line.indexOf('\n'), line.length - 1, 'a newline inside a value would split the batch');
    assert.deepEqual(decodeBatch(line.trimEnd()), batch);
  });

  it('writes a shared UTM object the same way every time, and an empty batch as []', () => {
    const utm = { source: 'a' };
    const line = encodeBatch([click({ linkUtm: utm }), click({ linkUtm: utm })]);
    assert.equal(line.split('{"source":"a"}').length, 3);
    assert.deepEqual(decodeBatch(encodeBatch([]).trimEnd()), []);
  });

  it('reads the earlier form (an array of click objects) a spool from before the upgrade holds', () => {
    const batch = [click(), click({ id: 'b' })];
    assert.deepEqual(decodeBatch(JSON.stringify(batch)), batch);
  });

  it('refuses a torn or foreign line as a whole', () => {
    const line = encodeBatch([click(), click()]).trimEnd();
    assert.equal(decodeBatch(line.slice(0, -7)), null, 'cut short');
    assert.equal(decodeBatch('{"a":1}'), null, 'not an array');
    assert.equal(decodeBatch('[["id",1,"w"]]'), null, 'a tuple too short');
    assert.equal(decodeBatch('[["id","1","w","l",null,"","","","","",""]]'), null, 'a time that is not a number');
    assert.equal(decodeBatch('[["id",1,"w","l",null,"","",7,"","",""]]'), null, 'a header that is not a string');
    assert.equal(decodeBatch('[{"id":"x"}]'), null, 'an object without its link');
  });
});
