import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Redis } from 'ioredis';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { forgetLink } from '../../src/adapters/redis/link-cache.redis.js';
import { loadConfig } from '../../src/composition/config.js';
import { createCurt, type Curt, type Role } from '../../src/composition/root.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, type Tenant } from '../support/harness.js';
import { redisSkip, redisUrl, uniquePrefix } from '../support/redis.js';

const skip = await redisSkip();

/** SPEC §6: a link changed through any instance redirects correctly on every instance within 1 s. */
for (const engine of engines) {
  describe(`cache invalidation across instances over Redis (${engine.name})`, { skip }, () => {
    let handle: DatabaseHandle;
    let api: Curt;
    let redirect: Curt;
    let port: number;
    let a: Tenant;
    const prefix = uniquePrefix();

    before(async () => {
      handle = await engine.open();
      const env = { LOG_LEVEL: 'silent', CURT_SIGNUP: 'open', REDIS_URL: redisUrl, CURT_REDIS_PREFIX: prefix, CURT_BASE_URL: 'http://short.test' };
      const start = async (role: Role) => {
        const curt = await createCurt(loadConfig(env), { role, database: handle, clickFlushMs: 50 });
        await curt.app.ready();
        return curt;
      };
      // Two processes' worth of Curt over one database and one Redis: an api and a redirect instance.
      api = await start('api');
      redirect = await start('redirect');
      await redirect.app.listen({ port: 0, host: '127.0.0.1' });
      port = (redirect.app.server.address() as AddressInfo).port;
      a = await createTenant({ curt: api } as never);
    });
    after(async () => {
      await redirect?.close();
      await api?.close();
      await handle?.close();
    });

    const call = (method: string, url: string, payload?: object) => api.app.inject({ method: method as 'GET', url, headers: bearer(a.key), ...(payload ? { payload } : {}) });
    const visit = (path: string, host = 'short.test') => new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path, headers: { host, accept: 'application/json' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode!, location: res.headers.location });
      }).on('error', reject).end();
    });
    /** Polls the redirect instance until `ok`, and answers how long that took (fails past 1 s). */
    const within1s = async (path: string, ok: (r: { status: number; location: string | undefined }) => boolean, host?: string) => {
      const started = Date.now();
      let last = await visit(path, host);
      while (!ok(last)) {
        if (Date.now() - started > 1000) assert.fail(`${path} still answers ${last.status} ${last.location ?? ''} after 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        last = await visit(path, host);
      }
      return Date.now() - started;
    };

    it('an update, a delete and a create made on the api instance reach the redirect instance\'s cache', async () => {
      const link = (await call('POST', '/api/v1/links', { url: 'https://example.com/one', slug: 'inval' })).json();
      assert.deepEqual(await visit('/inval'), { status: 302, location: 'https://example.com/one' }, 'now cached on the redirect instance');
      assert.equal((await call('PATCH', `/api/v1/links/${link.id}`, { url: 'https://example.com/two' })).statusCode, 200);
      await within1s('/inval', (r) => r.location === 'https://example.com/two');
      assert.equal((await call('DELETE', `/api/v1/links/${link.id}`)).statusCode, 204);
      await within1s('/inval', (r) => r.status === 404);
      // The 404 is now a negative cache entry: a new link with that slug must replace it.
      assert.equal((await call('POST', '/api/v1/links', { url: 'https://example.com/three', slug: 'inval' })).statusCode, 201);
      await within1s('/inval', (r) => r.location === 'https://example.com/three');
    });

    it('a custom domain registered on the api instance is served by the redirect instance', async () => {
      assert.equal((await visit('/nothing', 'go.inval.test')).status, 404);
      assert.equal((await call('POST', '/api/v1/domains', { host: 'go.inval.test', notFoundUrl: 'https://example.com/home' })).statusCode, 201);
      await within1s('/nothing', (r) => r.location === 'https://example.com/home', 'go.inval.test');
    });

    it('a deleted workspace\'s links and custom domain stop redirecting on every instance within 1 s', async () => {
      const { token } = await api.accounts.login(a.email, a.password);
      const as = (method: string, url: string, payload?: object) => api.app.inject({ method: method as 'GET', url,
        cookies: { curt_session: token }, headers: { origin: 'http://short.test' }, ...(payload ? { payload } : {}) });
      const team = (await as('POST', '/api/v1/workspaces', { name: 'Doomed' })).json().id as string;
      assert.equal((await as('POST', `/api/v1/domains?workspaceId=${team}`, { host: 'go.doomed.test', notFoundUrl: 'https://example.com/lost' })).statusCode, 201);
      // More links than one invalidation message carries (500), on both hosts.
      const items = Array.from({ length: 620 }, (_, i) => ({ url: `https://example.com/team/${i}`, slug: `doomed-${i}`, ...(i % 2 ? { domain: 'go.doomed.test' } : {}) }));
      for (let i = 0; i < items.length; i += 100) {
        const bulk = await as('POST', `/api/v1/links/bulk?workspaceId=${team}`, { links: items.slice(i, i + 100) });
        assert.equal(bulk.statusCode, 200);
        assert.ok(bulk.json().data.every((d: { link?: unknown }) => d.link), JSON.stringify(bulk.json().data.find((d: { error?: unknown }) => d.error)));
      }
      const host = (i: number) => (i % 2 ? 'go.doomed.test' : 'short.test');
      for (const i of [0, 1, 598, 619]) {
        await within1s(`/doomed-${i}`, (r) => r.location === `https://example.com/team/${i}`, host(i)); // now cached there
      }
      assert.equal((await visit('/missing', 'go.doomed.test')).location, 'https://example.com/lost');
      assert.equal((await as('DELETE', `/api/v1/workspaces/${team}`)).statusCode, 204);
      for (const i of [0, 1, 598, 619]) await within1s(`/doomed-${i}`, (r) => r.status === 404, host(i));
      await within1s('/missing', (r) => r.status === 404, 'go.doomed.test');
    });

    it('after a Redis outage of its subscription the redirect instance drops its cache, since messages may be lost', async () => {
      const applied = redirect.invalidation!.applied;
      const link = (await call('POST', '/api/v1/links', { url: 'https://example.com/before', slug: 'outage' })).json();
      // Let the create's own message arrive first, or it would drop the entry cached below.
      for (let i = 0; i < 200 && redirect.invalidation!.applied === applied; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.ok(redirect.invalidation!.applied > applied, 'the create was announced');
      assert.equal((await visit('/outage')).location, 'https://example.com/before');
      // A change whose message this instance missed: published (and its shared entry cleared)
      // while the subscriber was away.
      await sql`update links set url = 'https://example.com/after' where id = ${link.id}`.execute(handle.db);
      const admin = new Redis(redisUrl);
      const tx = admin.multi();
      forgetLink(tx, prefix, '', 'outage');
      await tx.exec();
      admin.disconnect();
      assert.equal((await visit('/outage')).location, 'https://example.com/before', 'served from the cache meanwhile');
      redirect.invalidation!.simulateOutage();
      await within1s('/outage', (r) => r.location === 'https://example.com/after');
    });
  });
}
