import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`links, happy paths (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    before(async () => { t = await startCurt(engine); a = await createTenant(t); });
    after(() => t.close());
    const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
      t.curt.app.inject({ method, url, headers: bearer(a.key), ...(payload === undefined ? {} : { payload: payload as object }) });

    it('creates a link with a generated 7-character slug and defaults', async () => {
      const res = await api('POST', '/api/v1/links', { url: 'https://example.com/path?q=1' });
      assert.equal(res.statusCode, 201);
      const link = res.json();
      assert.match(link.id, /^lnk_[0-9a-z]{26}$/);
      assert.match(link.slug, /^[A-Za-z0-9]{7}$/);
      assert.equal(link.shortUrl, `http://localhost:8080/${link.slug}`);
      assert.equal(link.domain, 'localhost:8080');
      assert.deepEqual({ r: link.redirectType, f: link.forwardQuery, c: link.clicks, p: link.hasPassword, a: link.archived, tags: link.tags },
        { r: 302, f: true, c: 0, p: false, a: false, tags: [] });
      assert.equal('password' in link || 'passwordHash' in link || 'workspaceId' in link, false);
    });

    it('creates with every field, reads it back, and hides the password', async () => {
      const body = {
        url: 'https://example.com/full', slug: 'full/launch-2030', title: 'Launch', description: 'The launch page', tags: ['launch', 'q1'],
        redirectType: 308, forwardQuery: false, expiresAt: '2099-01-01T00:00:00Z', expiredUrl: 'https://example.com/over', maxClicks: 1000,
        password: 'hunter22', rules: [{ when: { country: ['de'], device: ['Mobile'] }, url: 'https://example.de/' }],
        variants: [{ url: 'https://a.example/', weight: 70 }, { url: 'https://b.example/', weight: 30 }],
        utm: { source: 'newsletter', campaign: 'spring' }, archived: true,
      };
      const created = await api('POST', '/api/v1/links', body);
      assert.equal(created.statusCode, 201, created.body);
      const got = (await api('GET', `/api/v1/links/${created.json().id}`)).json();
      assert.equal(got.slug, 'full/launch-2030');
      assert.equal(got.hasPassword, true);
      assert.equal(got.expiresAt, '2099-01-01T00:00:00.000Z');
      assert.deepEqual(got.rules, [{ when: { country: ['DE'], device: ['mobile'] }, url: 'https://example.de/' }]);
      assert.deepEqual(got.variants, body.variants);
      assert.deepEqual(got.utm, body.utm);
      assert.deepEqual([got.redirectType, got.forwardQuery, got.maxClicks, got.archived, got.title], [308, false, 1000, true, 'Launch']);
    });

    it('ignores read-only fields in a body (mass assignment)', async () => {
      const res = await api('POST', '/api/v1/links', { url: 'https://example.com/m', id: 'lnk_mine', clicks: 1e6, workspaceId: 'ws_other', createdAt: '2000-01-01T00:00:00Z', hasPassword: true });
      assert.equal(res.statusCode, 201);
      const link = res.json();
      assert.notEqual(link.id, 'lnk_mine');
      assert.equal(link.clicks, 0);
      assert.equal(link.hasPassword, false);
      assert.ok(link.createdAt > '2020');
      const patched = (await api('PATCH', `/api/v1/links/${link.id}`, { clicks: 5, id: 'x', workspaceId: 'ws_other' })).json();
      assert.equal(patched.clicks, 0);
      assert.equal(patched.id, link.id);
    });

    it('updates given fields, clears with null, and can move the slug', async () => {
      const link = (await api('POST', '/api/v1/links', { url: 'https://example.com/u', title: 'Old', maxClicks: 5, password: 'pw' })).json();
      const res = await api('PATCH', `/api/v1/links/${link.id}`, { title: null, maxClicks: null, password: null, slug: 'moved-here', url: 'https://example.com/new' });
      assert.equal(res.statusCode, 200, res.body);
      const updated = res.json();
      assert.deepEqual([updated.title, updated.maxClicks, updated.hasPassword, updated.slug, updated.url], [null, null, false, 'moved-here', 'https://example.com/new']);
      assert.ok(updated.updatedAt >= link.updatedAt);
      assert.equal(updated.createdAt, link.createdAt);
    });

    it('deletes a link', async () => {
      const link = (await api('POST', '/api/v1/links', { url: 'https://example.com/d' })).json();
      assert.equal((await api('DELETE', `/api/v1/links/${link.id}`)).statusCode, 204);
      assert.equal((await api('GET', `/api/v1/links/${link.id}`)).statusCode, 404);
      assert.equal((await api('DELETE', `/api/v1/links/${link.id}`)).statusCode, 404);
    });

    it('bulk-creates in input order with a result per item', async () => {
      await api('POST', '/api/v1/links', { url: 'https://example.com/', slug: 'bulk-taken' });
      const res = await api('POST', '/api/v1/links/bulk', { links: [
        { url: 'https://example.com/1', slug: 'bulk-1' }, { url: 'javascript:alert(1)' }, { url: 'https://example.com/3', slug: 'bulk-taken' },
        { url: 'https://example.com/4' }, { url: 'https://example.com/5', slug: 'bulk-1' },
      ] });
      assert.equal(res.statusCode, 200);
      const data = res.json().data as Array<{ link?: { slug: string }; error?: { code: string; status: number } }>;
      assert.equal(data.length, 5);
      assert.equal(data[0]!.link?.slug, 'bulk-1');
      assert.equal(data[1]!.error?.code, 'validation-failed');
      assert.equal(data[2]!.error?.code, 'slug-taken');
      assert.match(data[3]!.link!.slug, /^[A-Za-z0-9]{7}$/);
      assert.equal(data[4]!.error?.code, 'slug-taken', 'a duplicate inside the batch loses to the earlier item');
    });

    it('bulk-creates 1000 links in one request and refuses 1001', async () => {
      const links = Array.from({ length: 1000 }, (_, i) => ({ url: `https://example.com/many/${i}`, tags: ['many'] }));
      const res = await api('POST', '/api/v1/links/bulk', { links });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().data.filter((d: { link?: unknown }) => d.link).length, 1000);
      const tooMany = await api('POST', '/api/v1/links/bulk', { links: [...links, { url: 'https://example.com/x' }] });
      assert.equal(tooMany.statusCode, 422);
    });

    it('lists with cursor pagination, each link exactly once', async () => {
      const seen = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await api('GET', `/api/v1/links?tag=many&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.statusCode, 200);
        const body = res.json() as { data: Array<{ id: string }>; nextCursor: string | null };
        for (const l of body.data) { assert.equal(seen.has(l.id), false); seen.add(l.id); }
        cursor = body.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(seen.size, 1000);
      assert.equal(pages, 10);
    });

    it('filters by search, tag and exact url; sorts by clicks', async () => {
      await api('POST', '/api/v1/links', { url: 'https://docs.example.org/Guide', title: 'The 100% Guide', tags: ['docs'] });
      const search = (await api('GET', '/api/v1/links?search=100%25%20guide')).json();
      assert.equal(search.data.length, 1);
      assert.equal((await api('GET', '/api/v1/links?search=GUIDE')).json().data.length, 1);
      assert.equal((await api('GET', '/api/v1/links?tag=docs')).json().data.length, 1);
      assert.equal((await api('GET', `/api/v1/links?url=${encodeURIComponent('https://docs.example.org/Guide')}`)).json().data.length, 1);
      const byClicks = await api('GET', '/api/v1/links?sort=clicks&order=asc&limit=5');
      assert.equal(byClicks.statusCode, 200);
      const next = byClicks.json().nextCursor;
      assert.equal((await api('GET', `/api/v1/links?sort=clicks&order=asc&limit=5&cursor=${next}`)).statusCode, 200);
      assert.equal((await api('GET', `/api/v1/links?sort=createdAt&cursor=${next}`)).statusCode, 422, 'a cursor of another sort is refused');
    });

    it('renders the short URL as an SVG or PNG QR code', async () => {
      const link = (await api('POST', '/api/v1/links', { url: 'https://example.com/qr', slug: 'qr-me' })).json();
      const svg = await api('GET', `/api/v1/links/${link.id}/qr`);
      assert.equal(svg.statusCode, 200);
      assert.equal(svg.headers['content-type'], 'image/svg+xml');
      assert.match(svg.body, /^<svg[^>]+viewBox/);
      const png = await api('GET', `/api/v1/links/${link.id}/qr?format=png&size=128`);
      assert.equal(png.headers['content-type'], 'image/png');
      assert.deepEqual([...png.rawPayload.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.equal(png.rawPayload.readUInt32BE(16), 128, 'PNG width');
      assert.equal((await api('GET', `/api/v1/links/${link.id}/qr?size=10`)).statusCode, 422);
      assert.equal((await api('GET', `/api/v1/links/${link.id}/qr?format=gif`)).statusCode, 422);
      assert.equal((await api('GET', '/api/v1/links/lnk_nope/qr')).statusCode, 404);
    });

    it('lists the workspace tags', async () => {
      const res = await api('GET', '/api/v1/tags?limit=100');
      const names = res.json().data.map((x: { name: string }) => x.name);
      for (const name of ['docs', 'launch', 'many', 'q1']) assert.ok(names.includes(name), name);
      assert.deepEqual(names, [...names].sort());
    });
  });
}
