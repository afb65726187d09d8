import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLinkInput, LIMITS } from '../../src/core/links/link-validation.js';
import type { LinkInput } from '../../src/core/links/link.js';
import { generateSlug, GENERATED_SLUG_LENGTH, RESERVED_SEGMENTS, SLUG_MAX, slugProblem } from '../../src/core/links/slug.js';

const URL_OK = 'https://example.com/page';
const check = (input: Record<string, unknown>, mode: 'create' | 'update' = 'create') => checkLinkInput(input as LinkInput, mode);
/** Pointers of the errors for `input` (create mode, with a valid url unless overridden). */
const pointers = (input: Record<string, unknown>, mode: 'create' | 'update' = 'create') =>
  check(mode === 'create' ? { url: URL_OK, ...input } : input, mode).errors.map((e) => e.pointer);
const valid = (input: Record<string, unknown>) => {
  const checked = check({ url: URL_OK, ...input });
  assert.deepEqual(checked.errors, [], JSON.stringify(input));
  return checked.changes;
};

describe('link validation: destination URL', () => {
  it('accepts absolute http and https URLs and normalises them', () => {
    assert.equal(valid({ url: 'http://example.com' }).url, 'http://example.com/');
    assert.equal(valid({ url: 'https://EXAMPLE.com/a?b=1#c' }).url, 'https://example.com/a?b=1#c');
  });

  it('rejects every non-http(s) scheme', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd',
      'vbscript:msgbox(1)', 'ftp://example.com/file', 'mailto:someone@example.com']) {
      const { errors, changes, destinations } = check({ url });
      assert.deepEqual(errors.map((e) => e.pointer), ['/url'], url);
      assert.match(errors[0]!.detail, /http or https/, url);
      assert.equal(changes.url, undefined, url);
      assert.deepEqual(destinations, [], url);
    }
  });

  it('rejects relative, empty, non-string and over-long URLs', () => {
    for (const url of ['/relative/path', 'example.com/page', '//example.com/page', '?q=1', '', '   ', 42, null, ['https://a.test/'],
      `https://example.com/${'a'.repeat(LIMITS.url)}`]) {
      assert.deepEqual(pointers({ url }), ['/url'], JSON.stringify(url).slice(0, 40));
    }
  });

  it('allows exactly LIMITS.url characters', () => {
    const url = `https://example.com/${'a'.repeat(LIMITS.url - 'https://example.com/'.length)}`;
    assert.equal(url.length, LIMITS.url);
    assert.equal(valid({ url }).url, url);
  });

  it('limits the stored (normalised) URL, not only the raw input', () => {
    const url = `https://example.com/${'é'.repeat(2000)}`;
    assert.ok(url.length < LIMITS.url);
    const { changes, errors } = check({ url });
    assert.ok(errors.length > 0 || (changes.url ?? '').length <= LIMITS.url, `stored ${changes.url?.length} chars`);
  });

  it('trims surrounding whitespace', () => {
    assert.equal(valid({ url: '  \n https://example.com/x \t ' }).url, 'https://example.com/x');
    const longest = `https://example.com/${'a'.repeat(LIMITS.url - 'https://example.com/'.length)}`;
    assert.equal(valid({ url: `  ${longest}  ` }).url, longest, 'the limit applies after trimming');
  });

  it('requires url on create but not on update', () => {
    assert.deepEqual(check({}, 'create').errors.map((e) => e.pointer), ['/url']);
    const update = check({ title: 'Only a title' }, 'update');
    assert.deepEqual(update.errors, []);
    assert.deepEqual(update.changes, { title: 'Only a title' });
    assert.deepEqual(check({}, 'update'), { changes: {}, errors: [], destinations: [] });
  });

  it('lists every destination by pointer: url, expiredUrl, rules/N/url, variants/N/url', () => {
    const { errors, destinations } = check({
      url: 'https://a.test/', expiredUrl: 'https://b.test/',
      rules: [{ when: { device: ['mobile'] }, url: 'https://c.test/' }, { when: { os: ['ios'] }, url: 'https://d.test/' }],
      variants: [{ url: 'https://e.test/', weight: 50 }, { url: 'https://f.test/', weight: 50 }],
    });
    assert.deepEqual(errors, []);
    assert.deepEqual(destinations.map((d) => [d.pointer, d.url.host]), [
      ['/url', 'a.test'], ['/expiredUrl', 'b.test'], ['/rules/0/url', 'c.test'], ['/rules/1/url', 'd.test'],
      ['/variants/0/url', 'e.test'], ['/variants/1/url', 'f.test'],
    ]);
    assert.ok(destinations.every((d) => d.url instanceof URL));
  });

  it('checks expiredUrl like url, and null clears it', () => {
    assert.deepEqual(pointers({ expiredUrl: 'javascript:alert(1)' }), ['/expiredUrl']);
    assert.equal(valid({ expiredUrl: null }).expiredUrl, null);
  });
});

describe('slugs', () => {
  it('reserves Curt\'s first segments in any case, also in multi-segment slugs', () => {
    for (const word of ['api', 'docs', 'healthz', 'readyz', 'metrics', 'app', 'assets', 'static']) {
      assert.ok(RESERVED_SEGMENTS.has(word), word);
      for (const slug of [word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1), `${word}/x`, `${word.toUpperCase()}/a/b`]) {
        assert.match(slugProblem(slug) ?? '', /reserved/, slug);
      }
    }
    for (const slug of ['apis', 'my-api', 'x/api', 'docs2', 'app_', 'static-site']) assert.equal(slugProblem(slug), null, slug);
  });

  it('allows the documented shapes', () => {
    for (const slug of ['a', 'a/b/c', 'A_b-9', '-', '_x_', 'x'.repeat(SLUG_MAX), 'Ab/Cd_9/e-f']) assert.equal(slugProblem(slug), null, slug);
  });

  it('rejects other shapes', () => {
    for (const slug of ['', '/a', 'a/', 'a//b', '/', 'a.b', '.', '..', 'a%20b', '%', 'a b', ' a', 'a+', 'ä', 'a?b', 'a#b', 'x'.repeat(SLUG_MAX + 1)]) {
      assert.notEqual(slugProblem(slug), null, slug);
    }
  });

  it('is checked by checkLinkInput at /slug', () => {
    for (const slug of ['api/x', 'a//b', 7]) assert.deepEqual(pointers({ slug }), ['/slug']);
    assert.equal(valid({ slug: 'Summer/Sale-2030' }).slug, 'Summer/Sale-2030');
  });

  it('generates 7-character base62 slugs that differ', () => {
    const slugs = Array.from({ length: 500 }, generateSlug);
    for (const slug of slugs) {
      assert.equal(slug.length, GENERATED_SLUG_LENGTH);
      assert.match(slug, /^[A-Za-z0-9]{7}$/);
      assert.equal(slugProblem(slug), null);
    }
    assert.equal(new Set(slugs).size, slugs.length);
  });
});

describe('link validation: other fields', () => {
  it('trims and dedupes tags; limits their count and length', () => {
    assert.deepEqual(valid({ tags: [' a ', 'a', 'b', 'b '] }).tags, ['a', 'b']);
    assert.deepEqual(pointers({ tags: ['ok', '', '  ', 'x'.repeat(LIMITS.tag + 1), 5] }), ['/tags/1', '/tags/2', '/tags/3', '/tags/4']);
    assert.deepEqual(valid({ tags: ['x'.repeat(LIMITS.tag)] }).tags, ['x'.repeat(LIMITS.tag)]);
    assert.deepEqual(pointers({ tags: Array.from({ length: LIMITS.tags + 1 }, (_, i) => `t${i}`) }), ['/tags']);
    assert.deepEqual(valid({ tags: Array.from({ length: LIMITS.tags + 5 }, (_, i) => `t${i % LIMITS.tags}`) }).tags?.length, LIMITS.tags);
    assert.deepEqual(pointers({ tags: 'a,b' }), ['/tags']);
  });

  it('takes only 301, 302, 307 or 308 as redirectType', () => {
    for (const t of [301, 302, 307, 308]) assert.equal(valid({ redirectType: t }).redirectType, t);
    for (const t of ['301', 303, 200, null, 3.01]) assert.deepEqual(pointers({ redirectType: t }), ['/redirectType'], String(t));
  });

  it('takes only booleans for forwardQuery and archived', () => {
    assert.deepEqual(valid({ forwardQuery: false, archived: true }), { url: URL_OK, forwardQuery: false, archived: true });
    assert.deepEqual(pointers({ forwardQuery: 'false', archived: 1 }), ['/forwardQuery', '/archived']);
    assert.deepEqual(pointers({ forwardQuery: null }), ['/forwardQuery']);
  });

  it('takes expiresAt only as RFC 3339 with an offset, or null', () => {
    for (const [v, iso] of [['2030-01-31T12:00:00Z', '2030-01-31T12:00:00.000Z'], ['2030-01-31T12:00:00.5+02:00', '2030-01-31T10:00:00.500Z'],
      ['2030-01-31T12:00-05:30', '2030-01-31T17:30:00.000Z']]) assert.equal(valid({ expiresAt: v }).expiresAt?.toISOString(), iso, v);
    assert.equal(valid({ expiresAt: null }).expiresAt, null);
    for (const v of ['2030-01-31T12:00:00', '2030-01-31', '2030-01-31 12:00:00Z', 'tomorrow', '2030-13-01T00:00:00Z', '2030-01-31T25:00:00Z',
      1893456000000, ' 2030-01-31T12:00:00Z']) {
      assert.deepEqual(pointers({ expiresAt: v }), ['/expiresAt'], String(v));
    }
  });

  it('rejects calendar dates that do not exist', () => {
    for (const v of ['2030-02-31T00:00:00Z', '2030-04-31T00:00:00Z']) assert.deepEqual(pointers({ expiresAt: v }), ['/expiresAt'], v);
  });

  it('takes maxClicks as a whole number of at least 1, or null', () => {
    assert.equal(valid({ maxClicks: 1 }).maxClicks, 1);
    assert.equal(valid({ maxClicks: null }).maxClicks, null);
    for (const v of [0, -1, 1.5, '5', Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) assert.deepEqual(pointers({ maxClicks: v }), ['/maxClicks'], String(v));
  });

  it('takes a password of 1 to LIMITS.password characters, or null', () => {
    assert.equal(valid({ password: 'x' }).password, 'x');
    assert.equal(valid({ password: 'p'.repeat(LIMITS.password) }).password, 'p'.repeat(LIMITS.password));
    assert.equal(valid({ password: null }).password, null);
    for (const v of ['', 'p'.repeat(LIMITS.password + 1), 1234]) assert.deepEqual(pointers({ password: v }), ['/password']);
  });

  it('ignores mass-assignment keys', () => {
    const { changes, errors } = check({ url: URL_OK, id: 'lnk_evil', clicks: 1e9, workspaceId: 'ws_other', createdAt: '2000-01-01T00:00:00Z', passwordHash: 'x' });
    assert.deepEqual(errors, []);
    assert.deepEqual(changes, { url: URL_OK });
  });
});

describe('link validation: rules, variants, utm', () => {
  const rule = (when: unknown, url: unknown = 'https://r.test/') => ({ rules: [{ when, url }] });

  it('normalises conditions: country upper-cased, others lower-cased', () => {
    const rules = valid({ rules: [{ when: { country: ['de', 'Us'], device: ['Mobile'], language: ['DE-at'], query: { ref: 'x' } }, url: 'https://r.test/' }] }).rules;
    assert.deepEqual(rules, [{ when: { country: ['DE', 'US'], device: ['mobile'], language: ['de-at'], query: { ref: 'x' } }, url: 'https://r.test/' }]);
  });

  it('rejects bad conditions with a pointer to each', () => {
    assert.deepEqual(pointers(rule({ country: ['DEU'] })), ['/rules/0/when/country']);
    assert.deepEqual(pointers(rule({ country: ['de', 'd1'], os: ['ios'] })), ['/rules/0/when/country']);
    // A rule whose only condition is bad also has no condition left: that may be reported too.
    const first = (when: unknown) => pointers(rule(when))[0];
    assert.equal(first({ device: [] }), '/rules/0/when/device');
    assert.equal(first({ os: 'ios' }), '/rules/0/when/os');
    assert.equal(first({ browser: [''] }), '/rules/0/when/browser');
    assert.equal(first({ language: ['x'.repeat(65)] }), '/rules/0/when/language');
    assert.equal(first({ device: Array.from({ length: LIMITS.conditionValues + 1 }, () => 'mobile') }), '/rules/0/when/device');
    assert.equal(first({ query: { a: 1 } }), '/rules/0/when/query');
    assert.equal(first({ query: ['a'] }), '/rules/0/when/query');
    assert.deepEqual(pointers(rule({ planet: ['mars'] })), ['/rules/0/when']);
    assert.match(check({ url: URL_OK, ...rule({ planet: ['mars'] }) }).errors[0]!.detail, /planet/);
    assert.deepEqual(pointers(rule({})), ['/rules/0/when']);
    for (const rules of [[{ when: null, url: 'https://r.test/' }], [null], ['x']]) assert.deepEqual(pointers({ rules }), ['/rules/0/when']);
    assert.deepEqual(pointers({ rules: {} }), ['/rules']);
  });

  it('rejects an empty query condition like any empty condition', () => {
    assert.match(pointers(rule({ query: {} }))[0] ?? 'no error', /^\/rules\/0\/when(\/query)?$/);
  });

  it('checks each rule url', () => {
    assert.deepEqual(pointers({ rules: [{ when: { os: ['ios'] }, url: 'https://ok.test/' }, { when: { os: ['android'] }, url: 'javascript:x' }] }), ['/rules/1/url']);
    assert.deepEqual(pointers({ rules: [{ when: { os: ['ios'] } }] }), ['/rules/0/url']);
    assert.deepEqual(pointers(rule({ os: ['ios'] }, '/relative')), ['/rules/0/url']);
    assert.ok(pointers({ rules: Array.from({ length: LIMITS.rules + 1 }, () => rule({ os: ['ios'] }).rules[0]) }).includes('/rules'));
  });

  it('takes variant weights as whole numbers from 1 to 100 and checks their urls', () => {
    assert.deepEqual(valid({ variants: [{ url: 'https://a.test/', weight: 1 }, { url: 'https://b.test/', weight: 100 }] }).variants,
      [{ url: 'https://a.test/', weight: 1 }, { url: 'https://b.test/', weight: 100 }]);
    for (const weight of [0, 101, 1.5, '50', null, undefined]) assert.deepEqual(pointers({ variants: [{ url: 'https://a.test/', weight }] }), ['/variants/0/weight'], String(weight));
    assert.deepEqual(pointers({ variants: [{ url: 'ftp://a.test/', weight: 10 }] }), ['/variants/0/url']);
    assert.deepEqual(pointers({ variants: 'a' }), ['/variants']);
    const many = Array.from({ length: LIMITS.variants + 1 }, (_, i) => ({ url: `https://v${i}.test/`, weight: 5 }));
    assert.deepEqual(pointers({ variants: many }), ['/variants']);
  });

  it('takes only the known utm keys', () => {
    assert.deepEqual(valid({ utm: { source: 'news', medium: 'email', campaign: 'c', term: 't', content: 'x', } }).utm,
      { source: 'news', medium: 'email', campaign: 'c', term: 't', content: 'x' });
    assert.deepEqual(valid({ utm: { source: '', medium: null } }).utm, {});
    assert.deepEqual(pointers({ utm: { utm_source: 'x', source: 'ok', foo: 'y' } }), ['/utm/utm_source', '/utm/foo']);
    assert.deepEqual(pointers({ utm: { source: 5, medium: 'm'.repeat(LIMITS.utmValue + 1) } }), ['/utm/source', '/utm/medium']);
    assert.deepEqual(pointers({ utm: ['source'] }), ['/utm']);
  });

  it('escapes unknown utm keys in the JSON pointer (RFC 6901)', () => {
    assert.deepEqual(pointers({ utm: { 'a/b': 'x', 'c~d': 'y' } }), ['/utm/a~1b', '/utm/c~0d']);
  });

  it('gives every error a JSON pointer', () => {
    const { errors } = check({
      url: 'nope', slug: '/x', title: 1, description: 'd'.repeat(LIMITS.description + 1), tags: [''], redirectType: 1, forwardQuery: 1,
      archived: 'no', expiresAt: 'soon', expiredUrl: 'data:x', maxClicks: 0, password: '', domain: 5,
      rules: [{ when: { x: [] }, url: 'x' }], variants: [{ url: 'y', weight: 0 }], utm: { x: 1 },
    });
    assert.ok(errors.length >= 18, `${errors.length} errors`);
    for (const e of errors) {
      assert.match(e.pointer, /^(\/[^/~]*)+$/, e.pointer);
      assert.ok(e.detail.length > 0);
    }
  });
});
