import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Link } from '../../src/core/links/link.js';
import { isExhausted, locationFor, toRedirectTarget } from '../../src/core/redirect/redirect-target.js';
import { makeLink } from './fakes.js';

const target = (url: string, overrides: Partial<Link> = {}) => toRedirectTarget(makeLink({ url, ...overrides }));
const at = (url: string, query: string, overrides: Partial<Link> = {}) => locationFor(target(url, overrides), query);
const URL_SAFE = /^[\x21-\x7e]+$/;

describe('toRedirectTarget', () => {
  it('copies what the redirect needs', () => {
    const t = target('https://dest.test/page', { id: 'lnk_9', workspaceId: 'ws_9', redirectType: 308, clicks: 4, maxClicks: 10, passwordHash: 'h' });
    assert.equal(t.linkId, 'lnk_9');
    assert.equal(t.workspaceId, 'ws_9');
    assert.equal(t.status, 308);
    assert.equal(t.location, 'https://dest.test/page');
    assert.equal(t.clicks, 4);
    assert.equal(t.maxClicks, 10);
    assert.equal(t.passwordHash, 'h');
    assert.equal(t.hashAt, -1);
    assert.equal(t.expiresAtMs, Number.POSITIVE_INFINITY);
    assert.equal(target('https://dest.test/').maxClicks, Number.POSITIVE_INFINITY);
  });

  it('applies utm as utm_* parameters', () => {
    const t = target('https://dest.test/page', { utm: { source: 'news', medium: 'email', campaign: 'spring sale', term: 't', content: 'c' } });
    const params = new URL(t.location).searchParams;
    assert.equal(params.get('utm_source'), 'news');
    assert.equal(params.get('utm_medium'), 'email');
    assert.equal(params.get('utm_campaign'), 'spring sale');
    assert.equal(params.get('utm_term'), 't');
    assert.equal(params.get('utm_content'), 'c');
    assert.equal(t.url, 'https://dest.test/page', 'url stays the raw destination');
  });

  it('never overrides a utm parameter already in the URL', () => {
    const t = target('https://dest.test/?utm_source=own&x=1', { utm: { source: 'link', medium: 'email' } });
    const params = new URL(t.location).searchParams;
    assert.deepEqual(params.getAll('utm_source'), ['own']);
    assert.equal(params.get('utm_medium'), 'email');
    assert.equal(params.get('x'), '1');
  });

  it('keeps utm parameters before the fragment', () => {
    const t = target('https://dest.test/p#section', { utm: { source: 'a' } });
    assert.equal(t.location, 'https://dest.test/p?utm_source=a#section');
    assert.equal(t.hashAt, t.location.indexOf('#'));
  });

  it('leaves the destination\'s own query bytes alone when adding utm', () => {
    const t = target('https://dest.test/p?flag&q=a%20b&path=/x', { utm: { source: 'n' } });
    assert.equal(t.location, 'https://dest.test/p?flag&q=a%20b&path=/x&utm_source=n');
  });
});

describe('locationFor', () => {
  it('returns the location unchanged without a query', () => {
    const t = target('https://dest.test/page?a=1#f');
    assert.equal(locationFor(t, ''), t.location);
    assert.equal(locationFor(t, '&&'), t.location);
  });

  it('appends the visitor\'s parameters', () => {
    assert.equal(at('https://dest.test/page', 'ref=tw&x=1'), 'https://dest.test/page?ref=tw&x=1');
    assert.equal(at('https://dest.test/page?a=1', 'ref=tw'), 'https://dest.test/page?a=1&ref=tw');
    assert.equal(at('https://dest.test/page', 'flag'), 'https://dest.test/page?flag');
  });

  it('never replaces a parameter the destination has', () => {
    assert.equal(at('https://dest.test/?a=1', 'a=2&b=3'), 'https://dest.test/?a=1&b=3');
    assert.equal(at('https://dest.test/?a=1', 'a=2'), 'https://dest.test/?a=1');
    assert.equal(at('https://dest.test/?a=1', 'a'), 'https://dest.test/?a=1');
    assert.equal(at('https://dest.test/?a=1', '%61=2'), 'https://dest.test/?a=1', 'percent-encoded name');
    assert.equal(at('https://dest.test/?my%20key=1', 'my+key=2&my%20key=3&ok=1'), 'https://dest.test/?my%20key=1&ok=1', "'+'-encoded name");
    assert.equal(at('https://dest.test/?a+b=1', 'a%20b=2'), 'https://dest.test/?a+b=1');
    assert.equal(at('https://dest.test/?c%2Bd=1', 'c%2Bd=2&c+d=3'), 'https://dest.test/?c%2Bd=1&c+d=3', "'c+d' differs from 'c d'");
  });

  it('never replaces utm parameters the link sets', () => {
    const l = { utm: { source: 'link' } };
    assert.equal(at('https://dest.test/', 'utm_source=evil&utm_medium=m', l), 'https://dest.test/?utm_source=link&utm_medium=m');
  });

  it('ignores the query when forwarding is off', () => {
    const t = target('https://dest.test/page?a=1', { forwardQuery: false });
    assert.equal(t.ownKeys, null);
    assert.equal(locationFor(t, 'b=2&a=3'), 'https://dest.test/page?a=1');
  });

  it('inserts the query before the fragment', () => {
    assert.equal(at('https://dest.test/p#frag', 'x=1'), 'https://dest.test/p?x=1#frag');
    assert.equal(at('https://dest.test/p?a=1#frag', 'x=1'), 'https://dest.test/p?a=1&x=1#frag');
    assert.equal(at('https://dest.test/p#frag?notquery', 'x=1'), 'https://dest.test/p?x=1#frag?notquery');
  });

  it('joins cleanly to a destination ending in ? or &', () => {
    assert.equal(at('https://dest.test/p?', 'x=1'), 'https://dest.test/p?x=1');
    assert.equal(at('https://dest.test/p?a=1&', 'x=1'), 'https://dest.test/p?a=1&x=1');
    assert.equal(at('https://dest.test/p?#f', 'x=1'), 'https://dest.test/p?x=1#f');
  });

  it('percent-encodes unsafe characters so the header is URL-safe ASCII', () => {
    for (const query of ['q=hello world', 'q="quoted"', 'q=<script>', 'q=héllo', 'näme=1', 'q=\u{1F600}', 'q=a\tb\r\nSet-Cookie:x', 'q=`{}|\\^[]', 'q=\x7f', 'q=%zz<']) {
      const location = at('https://dest.test/p', query);
      assert.match(location, URL_SAFE, query);
      assert.ok(location.startsWith('https://dest.test/p?'), location);
    }
    const decoded = new URL(at('https://dest.test/p', 'q=héllo wörld&n=<b>')).searchParams;
    assert.equal(decoded.get('q'), 'héllo wörld');
    assert.equal(decoded.get('n'), '<b>');
  });

  it('passes already-safe pairs through untouched', () => {
    assert.equal(at('https://dest.test/p', 'q=a%20b+c&r=/x?y:z@w'), 'https://dest.test/p?q=a%20b+c&r=/x?y:z@w');
  });

  it('does not throw on malformed percent-encoding', () => {
    for (const query of ['%', '%zz=1', 'a=%', 'a=%E0%A4%A', '%E0%A4%A=1', 'a=%zz b', '%ff=%ff']) {
      const location = at('https://dest.test/p?own=1', query);
      assert.match(location, URL_SAFE, query);
      assert.ok(location.startsWith('https://dest.test/p?own=1'), location);
    }
  });
});

describe('isExhausted', () => {
  const now = Date.parse('2030-06-01T00:00:00Z');

  it('is exhausted once expiresAt has passed', () => {
    assert.equal(isExhausted(target('https://d.test/', { expiresAt: new Date(now - 1) }), now), true);
    assert.equal(isExhausted(target('https://d.test/', { expiresAt: new Date(now) }), now), true);
    assert.equal(isExhausted(target('https://d.test/', { expiresAt: new Date(now + 60_000) }), now), false);
    assert.equal(isExhausted(target('https://d.test/', { expiresAt: null }), now), false);
  });

  it('is exhausted once clicks reach maxClicks', () => {
    assert.equal(isExhausted(target('https://d.test/', { maxClicks: 3, clicks: 2 }), now), false);
    assert.equal(isExhausted(target('https://d.test/', { maxClicks: 3, clicks: 3 }), now), true);
    assert.equal(isExhausted(target('https://d.test/', { maxClicks: 3, clicks: 7 }), now), true);
    assert.equal(isExhausted(target('https://d.test/', { maxClicks: null, clicks: 1e9 }), now), false);
    const t = target('https://d.test/', { maxClicks: 1, clicks: 0 });
    t.clicks++;
    assert.equal(isExhausted(t, now), true, 'follows the live click count');
  });
});
