import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`redirects (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let base: string;
    before(async () => {
      t = await startCurt(engine);
      a = await createTenant(t);
      base = await listenOn(t.curt);
    });
    after(() => t.close());

    const create = async (body: Record<string, unknown>) => {
      const res = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: body });
      assert.equal(res.statusCode, 201, res.body);
      return res.json() as { id: string; slug: string };
    };
    const patch = (id: string, body: Record<string, unknown>) => t.curt.app.inject({ method: 'PATCH', url: `/api/v1/links/${id}`, headers: bearer(a.key), payload: body });
    const visit = (path: string, init: RequestInit = {}) => fetch(`${base}/${path}`, { redirect: 'manual', ...init });
    const clicksOf = async (id: string) => {
      await t.curt.clicks.flush();
      return (await t.curt.app.inject({ url: `/api/v1/links/${id}`, headers: bearer(a.key) })).json().clicks as number;
    };

    it('redirects with the link status, Location and Cache-Control, and no rate-limit headers', async () => {
      await create({ url: 'https://example.com/landing', slug: 'go' });
      const res = await visit('go');
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), 'https://example.com/landing');
      assert.equal(res.headers.get('cache-control'), 'private, max-age=0');
      assert.equal(res.headers.get('ratelimit'), null);
      assert.equal(res.headers.get('ratelimit-policy'), null);
      for (const status of [301, 307, 308]) {
        await create({ url: 'https://example.com/s', slug: `status-${status}`, redirectType: status });
        assert.equal((await visit(`status-${status}`)).status, status);
      }
    });

    it('forwards the visitor query: adds, never replaces, keeps the fragment last', async () => {
      await create({ url: 'https://example.com/p?ref=ours#top', slug: 'fwd', utm: { source: 'mail' } });
      const res = await visit('fwd?ref=theirs&x=1&utm_source=spoof&y=a%20b');
      assert.equal(res.headers.get('location'), 'https://example.com/p?ref=ours&utm_source=mail&x=1&y=a%20b#top');
      await create({ url: 'https://example.com/q', slug: 'nofwd', forwardQuery: false });
      assert.equal((await visit('nofwd?x=1')).headers.get('location'), 'https://example.com/q');
      const odd = await visit('fwd?na%C3%AFve=%22%3C');
      assert.match(odd.headers.get('location')!, /^[\x21-\x7e]+$/);
    });

    it('serves multi-segment slugs and leaves Curt\'s own paths alone', async () => {
      await create({ url: 'https://example.com/deep', slug: 'team/launch/2030' });
      assert.equal((await visit('team/launch/2030')).headers.get('location'), 'https://example.com/deep');
      assert.equal((await visit('healthz')).status, 200);
      assert.equal((await visit('docs/problems')).status, 200);
    });

    it('answers unknown slugs with an HTML page or a problem, by Accept', async () => {
      const html = await visit('does-not-exist', { headers: { accept: 'text/html' } });
      assert.equal(html.status, 404);
      assert.match(html.headers.get('content-type')!, /^text\/html/);
      assert.match(await html.text(), /Link not found/);
      const json = await visit('does-not-exist', { headers: { accept: 'application/json' } });
      assert.equal(json.status, 404);
      assert.equal(json.headers.get('content-type'), 'application/problem+json');
      assert.equal(((await json.json()) as { code: string }).code, 'not-found');
    });

    it('sees links created after a miss at once (negative cache is invalidated)', async () => {
      assert.equal((await visit('late-comer')).status, 404);
      await create({ url: 'https://example.com/late', slug: 'late-comer' });
      assert.equal((await visit('late-comer')).status, 302);
    });

    it('every change through the API reaches the redirect at once', async () => {
      const link = await create({ url: 'https://example.com/v1', slug: 'changing' });
      assert.equal((await visit('changing')).headers.get('location'), 'https://example.com/v1');
      await patch(link.id, { url: 'https://example.com/v2' });
      assert.equal((await visit('changing')).headers.get('location'), 'https://example.com/v2');
      await patch(link.id, { slug: 'changed' });
      assert.equal((await visit('changing')).status, 404);
      assert.equal((await visit('changed')).status, 302);
      await t.curt.app.inject({ method: 'DELETE', url: `/api/v1/links/${link.id}`, headers: bearer(a.key) });
      assert.equal((await visit('changed')).status, 404);
    });

    it('honours expiry: 410, or the expiredUrl', async () => {
      const link = await create({ url: 'https://example.com/x', slug: 'expiring' });
      assert.equal((await visit('expiring')).status, 302);
      await patch(link.id, { expiresAt: '2001-01-01T00:00:00Z' });
      const gone = await visit('expiring', { headers: { accept: 'application/json' } });
      assert.equal(gone.status, 410);
      assert.equal(((await gone.json()) as { code: string }).code, 'link-expired');
      await patch(link.id, { expiredUrl: 'https://example.com/sorry' });
      const moved = await visit('expiring');
      assert.equal(moved.status, 302);
      assert.equal(moved.headers.get('location'), 'https://example.com/sorry');
    });

    it('honours maxClicks and counts each GET once (HEAD and inspect count nothing)', async () => {
      const link = await create({ url: 'https://example.com/limited', slug: 'limited', maxClicks: 3 });
      assert.equal((await visit('limited', { method: 'HEAD' })).status, 302);
      assert.equal((await visit('limited+')).status, 200);
      for (let i = 0; i < 3; i++) assert.equal((await visit('limited')).status, 302, `click ${i + 1}`);
      assert.equal((await visit('limited')).status, 410);
      assert.equal(await clicksOf(link.id), 3);
    });

    it('shows an inspect page that reveals the destination and records nothing', async () => {
      const link = await create({ url: 'https://example.com/<inspect>', slug: 'peek' });
      const res = await visit('peek+');
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /https:\/\/example\.com\/%3Cinspect%3E/);
      assert.doesNotMatch(body, /<inspect>/);
      assert.equal(await clicksOf(link.id), 0);
    });

    it('asks for the password of a protected link', async () => {
      const link = await create({ url: 'https://example.com/secret', slug: 'locked', password: 'open sesame', redirectType: 307 });
      const form = await visit('locked');
      assert.equal(form.status, 401);
      assert.match(await form.text(), /<form method="post"/);
      const post = (password: string) => visit('locked', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `password=${encodeURIComponent(password)}` });
      assert.equal((await post('wrong')).status, 401);
      const ok = await post('open sesame');
      assert.equal(ok.status, 303, 'never 307/308: that would re-send the password to the destination');
      assert.equal(ok.headers.get('location'), 'https://example.com/secret');
      assert.equal(await clicksOf(link.id), 1);
      assert.doesNotMatch(await (await visit('locked+')).text(), /example\.com\/secret/);
    });

    if (engine.name === 'pglite') {
      it('a cached redirect touches no database', async () => {
        await create({ url: 'https://example.com/hot', slug: 'hot' });
        await visit('hot');
        // PGlite is one connection: while this transaction holds it, any query would wait.
        await t.handle.db.transaction().execute(async () => {
          const res = await visit('hot', { signal: AbortSignal.timeout(2000) });
          assert.equal(res.status, 302);
        });
      });
    }
  });
}
