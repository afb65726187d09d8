import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`custom domains (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let b: Tenant;
    let port: number;
    before(async () => {
      t = await startCurt(engine);
      a = await createTenant(t);
      b = await createTenant(t);
      await t.curt.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.curt.app.server.address() as AddressInfo).port;
    });
    after(() => t.close());
    const api = (tenant: Tenant, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
      t.curt.app.inject({ method, url, headers: bearer(tenant.key), ...(payload ? { payload } : {}) });
    /** A GET with a chosen Host header, as a browser on that domain would send it. */
    const visit = (host: string, path: string) => new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers: { host, accept: 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, location: res.headers.location });
      }).on('error', reject).end();
    });

    it('registers a domain once across the instance, with clean host names only', async () => {
      const res = await api(a, 'POST', '/api/v1/domains', { host: 'Go.Example.COM.' });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(res.json().host, 'go.example.com');
      assert.match(res.json().id, /^dom_/);
      assert.equal((await api(b, 'POST', '/api/v1/domains', { host: 'go.example.com' })).statusCode, 409);
      for (const host of ['https://x.example.com', 'x.example.com:8443', 'x.example.com/path', '192.168.1.10', 'localhost', '-bad.example.com', 'a..example.com', '']) {
        const bad = await api(a, 'POST', '/api/v1/domains', { host });
        assert.equal(bad.statusCode, 422, host);
        assert.equal(bad.json().errors[0].pointer, '/host', host);
      }
      const loop = await api(a, 'POST', '/api/v1/domains', { host: 'other.example.com', notFoundUrl: 'https://go.example.com/x' });
      assert.equal(loop.statusCode, 422, 'a notFoundUrl on one of Curt\'s domains would loop');
    });

    it('lists only the workspace\'s own domains', async () => {
      assert.deepEqual((await api(a, 'GET', '/api/v1/domains')).json().data.map((d: { host: string }) => d.host), ['go.example.com']);
      assert.deepEqual((await api(b, 'GET', '/api/v1/domains')).json().data, []);
    });

    it('serves links on the custom domain by Host, apart from the default domain', async () => {
      const link = await api(a, 'POST', '/api/v1/links', { url: 'https://example.com/custom', slug: 'promo', domain: 'go.example.com' });
      assert.equal(link.statusCode, 201, link.body);
      assert.equal(link.json().shortUrl, 'https://go.example.com/promo');
      assert.equal(link.json().domain, 'go.example.com');
      assert.equal((await api(a, 'POST', '/api/v1/links', { url: 'https://example.com/default', slug: 'promo' })).statusCode, 201, 'same slug on the default domain');
      assert.deepEqual(await visit('go.example.com', '/promo'), { status: 302, location: 'https://example.com/custom' });
      assert.deepEqual(await visit('GO.example.com:443', '/promo'), { status: 302, location: 'https://example.com/custom' });
      assert.deepEqual(await visit(`127.0.0.1:${port}`, '/promo'), { status: 302, location: 'https://example.com/default' });
      assert.equal((await api(b, 'POST', '/api/v1/links', { url: 'https://example.com/', domain: 'go.example.com' })).statusCode, 422, 'not b\'s domain');
      assert.equal((await api(a, 'GET', '/api/v1/links?domain=go.example.com')).json().data.length, 1);
    });

    it('sends unknown slugs to the domain\'s notFoundUrl once set', async () => {
      const id = (await api(a, 'GET', '/api/v1/domains')).json().data[0].id;
      assert.equal((await visit('go.example.com', '/missing')).status, 404);
      const res = await api(a, 'PATCH', `/api/v1/domains/${id}`, { notFoundUrl: 'https://example.com/home' });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(await visit('go.example.com', '/missing'), { status: 302, location: 'https://example.com/home' });
      assert.equal((await visit(`127.0.0.1:${port}`, '/missing')).status, 404, 'the default domain is unaffected');
      assert.equal((await api(b, 'PATCH', `/api/v1/domains/${id}`, { notFoundUrl: null })).statusCode, 404, 'another tenant cannot touch it');
      await api(a, 'PATCH', `/api/v1/domains/${id}`, { notFoundUrl: null });
      assert.equal((await visit('go.example.com', '/missing')).status, 404);
    });

    it('refuses to remove a domain that still has links, then removes it', async () => {
      const id = (await api(a, 'GET', '/api/v1/domains')).json().data[0].id;
      assert.equal((await api(b, 'DELETE', `/api/v1/domains/${id}`)).statusCode, 404);
      const busy = await api(a, 'DELETE', `/api/v1/domains/${id}`);
      assert.equal(busy.statusCode, 409);
      const link = (await api(a, 'GET', '/api/v1/links?domain=go.example.com')).json().data[0];
      await api(a, 'DELETE', `/api/v1/links/${link.id}`);
      assert.equal((await api(a, 'DELETE', `/api/v1/domains/${id}`)).statusCode, 204);
      assert.deepEqual(await visit('go.example.com', '/promo'), { status: 302, location: 'https://example.com/default' }, 'the host now falls back to the default domain');
    });
  });
}
