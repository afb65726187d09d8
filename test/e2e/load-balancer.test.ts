import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { findNginx, NGINX_MISSING } from '../../scripts/local-nginx.js';
import { prometheusSample } from '../../scripts/prometheus-text.js';
import { freePort, serve, stop, type Running } from '../support/curt-process.js';
import { createDatabase } from '../support/e2e-database.js';
import { NginxServer } from '../support/nginx-server.js';
import { redisAvailable, redisUrl, uniquePrefix } from '../support/redis.js';

const pgUrl = process.env.CURT_TEST_DATABASE_URL;
const nginxBinary = findNginx();
// Skipped without nginx, PostgreSQL or Redis; in CI (CURT_TEST_REQUIRE_*) a missing one fails.
if (process.env.CURT_TEST_REQUIRE_NGINX === '1' && nginxBinary === null) throw new Error(`CURT_TEST_REQUIRE_NGINX=1 but ${NGINX_MISSING}`);
if (process.env.CURT_TEST_REQUIRE_POSTGRES === '1' && !pgUrl) throw new Error('CURT_TEST_REQUIRE_POSTGRES=1 but CURT_TEST_DATABASE_URL is not set');
const skip = nginxBinary === null ? NGINX_MISSING
  : pgUrl === undefined ? 'needs PostgreSQL (CURT_TEST_DATABASE_URL)'
  : !(await redisAvailable()) ? `needs Redis at ${redisUrl}`
  : false;

/** A browser's User-Agent, so clicks are not classified as bots. */
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

/** One GET over node:http, which can choose the local address (127.0.0.0/8 is all loopback): the client address nginx sees. */
function get(url: string, opts: { from?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: opts.from, headers: { 'user-agent': BROWSER, accept: 'application/json', ...opts.headers }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * compose.yaml's shape with real processes: the shipped deploy/nginx.conf (compose addresses
 * swapped for local ports by scripts/local-nginx.ts) run by a real nginx in front of a
 * `--role api`, two `--role redirect` and a `--role worker` process of the real binary, on one
 * PostgreSQL database and Redis, with CURT_TRUST_PROXY=1 as compose sets it.
 */
describe('the shipped nginx config in front of api, two redirect and a worker process', { skip, timeout: 60_000 }, () => {
  const key = `curt_${randomBytes(24).toString('hex')}`;
  const prefix = uniquePrefix();
  const running: Running[] = [];
  let nginx: NginxServer | undefined;
  let drop: () => Promise<void> = async () => {};
  let api: Running;
  let redirects: [Running, Running];

  before(async () => {
    const db = await createDatabase(pgUrl!);
    drop = db.drop;
    const listen = await freePort();
    const env = {
      DATABASE_URL: db.url, REDIS_URL: redisUrl, CURT_REDIS_PREFIX: prefix, CURT_INITIAL_API_KEY: key,
      CURT_TRUST_PROXY: '1', CURT_BASE_URL: `http://127.0.0.1:${listen}`,
    };
    // The api migrates and registers the key; the others then start side by side.
    api = await serve(env, ['--role', 'api']);
    running.push(api);
    const others = await Promise.all([serve(env, ['--role', 'redirect']), serve(env, ['--role', 'redirect']), serve(env, ['--role', 'worker'])]);
    running.push(...others);
    redirects = [others[0], others[1]];
    nginx = await NginxServer.start(nginxBinary!, { listen, api: portOf(api), redirects: [portOf(redirects[0]), portOf(redirects[1])] });
  });
  after(async () => {
    await nginx?.stop();
    for (const r of running) await stop(r.child, 'SIGKILL');
    await drop();
    const client = new Redis(redisUrl);
    try {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
    } finally {
      client.disconnect();
    }
  });

  const portOf = (r: Running) => Number(new URL(r.base).port);
  const lb = (path: string) => `${nginx!.origin}${path}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(lb(`/api/v1${path}`), {
      method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const created = async (slug: string, url: string) => {
    const res = await call('POST', '/links', { url, slug });
    assert.equal(res.status, 201, res.text);
    return { id: String(res.json().id) };
  };
  /** Each redirect process's own count of redirects served, from its /metrics. */
  const redirectedByEach = async () => Promise.all(redirects.map(async (r) => {
    const value = prometheusSample(await (await fetch(`${r.base}/metrics`)).text(), 'curt_redirects_total', 'outcome="redirected"');
    assert.notEqual(value, null, `${r.base}/metrics has curt_redirects_total{outcome="redirected"}`);
    return value!;
  }));

  it('sends /api/ and /docs to the api process, with the request id nginx sets, and /healthz to a redirect process', async () => {
    const me = await call('GET', '/me');
    assert.equal(me.status, 200, me.text);
    assert.match(me.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/, "Curt echoes nginx's $request_id");
    assert.notEqual((await fetch(`${redirects[0].base}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } })).status, 200, 'a redirect process does not serve the API');

    const docs = await fetch(lb('/docs'));
    assert.equal(docs.status, 200);
    assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
    assert.equal((await fetch(`${redirects[0].base}/docs`)).status, 404, 'a redirect process does not serve the docs');

    const health = await fetch(lb('/healthz'));
    assert.equal(health.status, 200);
    assert.equal((await health.json() as { status?: string }).status, 'ok');
  });

  it('passes an API request body nginx buffers to its temp directory (over 16 KB) to the api', async () => {
    const links = Array.from({ length: 300 }, (_, i) => ({ url: `https://example.com/bulk/${i}/${'x'.repeat(40)}`, slug: `bulk-${i}` }));
    const body = JSON.stringify({ links });
    assert.ok(body.length > 16 * 1024);
    const res = await call('POST', '/links/bulk', { links });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json().data as unknown[]).length, 300);
    assert.equal((await get(lb('/bulk-299'))).location, links[299]!.url);
    // Written by a worker process (`nobody` when nginx runs as root) into the generated temp path.
    assert.match(nginx!.log(), /client request body is buffered to a temporary file/);
  });

  it('redirects a link created through nginx, from both redirect processes in turn', async () => {
    await created('shared', 'https://example.com/shared');
    const before = await redirectedByEach();
    const n = 20;
    for (let i = 0; i < n; i++) assert.deepEqual(await get(lb('/shared')), { status: 302, location: 'https://example.com/shared' });
    const after = await redirectedByEach();
    const served = after.map((a, i) => a - before[i]!);
    assert.equal(served[0]! + served[1]!, n, `each redirect was served by one of the two: ${served.join(' + ')}`);
    assert.ok(served.every((s) => s > 0), `both redirect processes served some of the ${n}: ${served.join(' + ')}`);
  });

  it('a link updated through nginx redirects to the new URL through nginx, on both redirect processes, within 1 s', async (t) => {
    const link = await created('moving', 'https://example.com/old');
    // Both redirect processes cache the old destination first, so the update has to reach them.
    for (const r of redirects) {
      let answer = await get(`${r.base}/moving`);
      for (let i = 0; answer.location !== 'https://example.com/old' && i < 100; i++) answer = await get(`${r.base}/moving`);
      assert.equal(answer.location, 'https://example.com/old', `${r.base} serves the link`);
    }
    const res = await call('PATCH', `/links/${link.id}`, { url: 'https://example.com/new' });
    assert.equal(res.status, 200, res.text);
    const acknowledged = Date.now();
    const seenAfter = async (origin: string) => {
      let answer = await get(`${origin}/moving`);
      while (answer.location !== 'https://example.com/new') {
        if (Date.now() - acknowledged > 1000) assert.fail(`${origin}/moving still answers ${answer.status} ${answer.location ?? ''} 1 s after the update`);
        await new Promise((resolve) => setTimeout(resolve, 10));
        answer = await get(`${origin}/moving`);
      }
      return Date.now() - acknowledged;
    };
    const viaNginx = await seenAfter(nginx!.origin);
    const direct = [await seenAfter(redirects[0].base), await seenAfter(redirects[1].base)];
    t.diagnostic(`new URL seen through nginx after ${viaNginx} ms, on the redirect processes after ${direct.join(' and ')} ms`);
  });

  it("records the client address nginx forwards (X-Forwarded-For), not nginx's own nor one the client claims", async () => {
    const viaNginx = await created('addr-nginx', 'https://example.com/a');
    const spoofed = await created('addr-spoofed', 'https://example.com/b');
    const direct = await created('addr-direct', 'https://example.com/c');
    // Same User-Agent throughout: the visitor id (a salted hash of address + User-Agent) then differs only by address.
    assert.equal((await get(lb('/addr-nginx'), { from: '127.0.0.2' })).status, 302);
    assert.equal((await get(lb('/addr-spoofed'), { from: '127.0.0.3', headers: { 'x-forwarded-for': '127.0.0.2' } })).status, 302);
    // Straight to a redirect process, as if from a proxy at 127.0.0.1 that forwarded 127.0.0.2 (one trusted hop).
    assert.equal((await get(`${redirects[0].base}/addr-direct`, { headers: { 'x-forwarded-for': '127.0.0.2' } })).status, 302);

    const visitor = await visitorIdsOf([viaNginx.id, spoofed.id, direct.id]);
    assert.equal(visitor.get(viaNginx.id), visitor.get(direct.id), 'through nginx from 127.0.0.2, the click is 127.0.0.2\'s');
    assert.notEqual(visitor.get(spoofed.id), visitor.get(viaNginx.id), 'an X-Forwarded-For the client sends itself is not believed');
  });

  /** Each link's one stored click's visitor id, from the click export (the worker stores clicks from the stream; polled). */
  async function visitorIdsOf(linkIds: string[]): Promise<Map<string, string>> {
    for (let i = 0; i < 150; i++) { // a hang guard of ~15 s: the worker ingests every second
      const res = await call('GET', '/clicks');
      assert.equal(res.status, 200, res.text);
      const clicks = res.text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { linkId: string; visitorId: string });
      const found = new Map(clicks.filter((c) => linkIds.includes(c.linkId)).map((c) => [c.linkId, c.visitorId]));
      if (found.size === linkIds.length) return found;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`the clicks of ${linkIds.join(', ')} were not stored within 15 s`);
  }
});
