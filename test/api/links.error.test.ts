import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`links, errors (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    before(async () => { t = await startCurt(engine); a = await createTenant(t); });
    after(() => t.close());

    const post = (payload: unknown, headers: Record<string, string> = {}) => t.curt.app.inject({
      method: 'POST', url: '/api/v1/links', headers: { ...bearer(a.key), 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    const problemOf = (res: { statusCode: number; headers: Record<string, unknown>; json(): any }, status: number, code: string) => {
      assert.equal(res.statusCode, status);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const body = res.json();
      assert.equal(body.code, code);
      assert.equal(body.status, status);
      assert.equal(body.type, `http://localhost:8080/docs/problems#${code}`);
      assert.equal(typeof body.title, 'string');
      assert.equal(typeof body.detail, 'string');
      return body;
    };

    it('malformed JSON is 400', async () => {
      problemOf(await post('{"url": "https://example.com"'), 400, 'bad-request');
    });

    it('a body that is not JSON is 415', async () => {
      problemOf(await post('url=https://example.com', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'unsupported-media-type');
      problemOf(await post('hello', { 'content-type': 'text/plain' }), 415, 'unsupported-media-type');
    });

    it('an oversized body is 413', async () => {
      problemOf(await post({ url: 'https://example.com/', description: 'x'.repeat(1_100_000) }), 413, 'payload-too-large');
    });

    it('unknown routes are a 404 problem', async () => {
      problemOf(await t.curt.app.inject({ url: '/api/v1/nothing-here', headers: bearer(a.key) }), 404, 'not-found');
      problemOf(await t.curt.app.inject({ method: 'PUT', url: '/api/v1/links', headers: bearer(a.key) }), 404, 'not-found');
    });

    it('dangerous or relative destinations are 422 with a pointer', async () => {
      for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'vbscript:msgbox(1)', 'ftp://example.com/', '/relative/path', 'example.com', '']) {
        const body = problemOf(await post({ url }), 422, 'validation-failed');
        assert.deepEqual(body.errors.map((e: { pointer: string }) => e.pointer), ['/url'], url);
      }
    });

    it('destinations on Curt\'s own domain are refused (loops), everywhere a URL goes', async () => {
      problemOf(await post({ url: 'http://localhost:8080/abc' }), 422, 'validation-failed');
      const body = problemOf(await post({ url: 'https://example.com', expiredUrl: 'http://LOCALHOST:8080/x', variants: [{ url: 'http://localhost:8080/v', weight: 1 }] }), 422, 'validation-failed');
      assert.deepEqual(body.errors.map((e: { pointer: string }) => e.pointer).sort(), ['/expiredUrl', '/variants/0/url']);
      assert.equal((await post({ url: 'http://localhost:3000/other-service' })).statusCode, 201, 'another port is another service');
    });

    it('slug rules: reserved, shape, length, taken', async () => {
      for (const slug of ['api', 'Docs', 'metrics/x', 'healthz', 'a.b', 'a b', '/lead', 'trail/', 'a//b', 'x'.repeat(191), 'ünï']) {
        const body = problemOf(await post({ url: 'https://example.com', slug }), 422, 'validation-failed');
        assert.equal(body.errors[0].pointer, '/slug', slug);
      }
      assert.equal((await post({ url: 'https://example.com', slug: 'mine' })).statusCode, 201);
      problemOf(await post({ url: 'https://example.com', slug: 'mine' }), 409, 'slug-taken');
      assert.equal((await post({ url: 'https://example.com', slug: 'Mine' })).statusCode, 201, 'slugs are case-sensitive');
    });

    it('types are strict in bodies: no coercion of "5" to 5', async () => {
      const body = problemOf(await post({ url: 'https://example.com', maxClicks: '5', forwardQuery: 'yes', redirectType: 303 }), 422, 'validation-failed');
      const pointers = body.errors.map((e: { pointer: string }) => e.pointer);
      for (const p of ['/maxClicks', '/forwardQuery', '/redirectType']) assert.ok(pointers.includes(p), p);
    });

    it('each field\'s bad value is named', async () => {
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ expiresAt: 'tomorrow' }, '/expiresAt'], [{ maxClicks: 0 }, '/maxClicks'], [{ tags: ['ok', ''] }, '/tags/1'],
        [{ title: 'x'.repeat(501) }, '/title'], [{ utm: { source: 'a', evil: 'b' } }, '/utm/evil'],
        [{ variants: [{ url: 'https://a.example', weight: 0 }] }, '/variants/0/weight'], [{ rules: [{ when: {}, url: 'https://a.example' }] }, '/rules/0/when'],
        [{ password: '' }, '/password'], [{ domain: 'not-mine.example' }, '/domain'],
      ];
      for (const [extra, pointer] of cases) {
        const body = problemOf(await post({ url: 'https://example.com', ...extra }), 422, 'validation-failed');
        assert.ok(body.errors.some((e: { pointer: string }) => e.pointer === pointer), `${pointer}: ${JSON.stringify(body.errors)}`);
      }
    });

    it('a missing url is 422 on create', async () => {
      const body = problemOf(await post({ title: 'no url' }), 422, 'validation-failed');
      assert.equal(body.errors[0].pointer, '/url');
    });

    it('bad query parameters are 422 and point into the query', async () => {
      for (const q of ['limit=0', 'limit=101', 'limit=ten', 'sort=random', 'order=up', 'cursor=garbage!']) {
        const body = problemOf(await t.curt.app.inject({ url: `/api/v1/links?${q}`, headers: bearer(a.key) }), 422, 'validation-failed');
        assert.match(body.errors[0].pointer, /^\/(query\/)?(limit|sort|order|cursor)/, q);
      }
    });

    it('well-formed cursors with values this API never made are 422, not 500', async () => {
      const crafted = Buffer.from(JSON.stringify(['not a date', 'x'])).toString('base64url');
      for (const url of [`/api/v1/links?cursor=${crafted}`, `/api/v1/api-keys?cursor=${crafted}`, `/api/v1/domains?cursor=${crafted}`, `/api/v1/workspaces/${a.workspaceId}/members?cursor=${crafted}`]) {
        problemOf(await t.curt.app.inject({ url, headers: bearer(a.key) }), 422, 'validation-failed');
      }
    });

    it('unknown ids are 404; a patch that breaks rules writes nothing', async () => {
      problemOf(await t.curt.app.inject({ url: '/api/v1/links/lnk_nope', headers: bearer(a.key) }), 404, 'not-found');
      const link = (await post({ url: 'https://example.com/keep', slug: 'keep-me', title: 'Kept' })).json();
      const res = await t.curt.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: bearer(a.key), payload: { title: 'Changed', url: 'javascript:x' } });
      problemOf(res, 422, 'validation-failed');
      const conflict = await t.curt.app.inject({ method: 'PATCH', url: `/api/v1/links/${link.id}`, headers: bearer(a.key), payload: { title: 'Changed', slug: 'mine' } });
      problemOf(conflict, 409, 'slug-taken');
      const after = (await t.curt.app.inject({ url: `/api/v1/links/${link.id}`, headers: bearer(a.key) })).json();
      assert.deepEqual([after.title, after.slug, after.url], ['Kept', 'keep-me', 'https://example.com/keep']);
    });
  });
}
