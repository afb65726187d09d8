import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { newId } from '../../src/core/ids.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';
import { makeEvent, MemoryEventStore, MemoryJobQueue, Receiver } from '../support/webhooks.js';

const PUBLIC = 'https://93.184.216.34/hooks/curt';

for (const engine of engines) {
  describe(`webhooks API (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let b: Tenant;
    before(async () => {
      t = await startCurt(engine);
      a = await createTenant(t);
      b = await createTenant(t);
    });
    after(() => t.close());
    const api = (key: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) =>
      t.curt.app.inject({ method, url: `/api/v1${url}`, headers: { ...bearer(key), ...headers }, ...(payload ? { payload } : {}) });

    it('creates a webhook and shows its secret in that answer only', async () => {
      const res = await api(a.key, 'POST', '/webhooks', { url: PUBLIC, events: ['link.created', 'link.clicked', 'link.created'], tags: ['promo'] });
      assert.equal(res.statusCode, 201, res.body);
      const created = res.json();
      assert.match(created.id, /^wh_/);
      assert.match(created.secret, /^whsec_/);
      assert.deepEqual({ ...created, id: 0, secret: 0, createdAt: 0 }, {
        id: 0, secret: 0, createdAt: 0, url: PUBLIC, events: ['link.created', 'link.clicked'], linkIds: [], tags: ['promo'], enabled: true, disabledReason: null,
      });
      const got = await api(a.key, 'GET', `/webhooks/${created.id}`);
      assert.equal(got.statusCode, 200);
      assert.equal(got.json().secret, undefined);
      const list = (await api(a.key, 'GET', '/webhooks')).json();
      assert.deepEqual(list.data.map((w: { id: string }) => w.id), [created.id]);
      assert.ok(!JSON.stringify(list).includes('whsec_'));
    });

    it('replays an idempotent create without the secret', async () => {
      const headers = { 'idempotency-key': `k-${newId('x')}` };
      const first = await api(a.key, 'POST', '/webhooks', { url: PUBLIC, events: ['link.deleted'] }, headers);
      const replay = await api(a.key, 'POST', '/webhooks', { url: PUBLIC, events: ['link.deleted'] }, headers);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().id, first.json().id);
      assert.equal(replay.json().secret, undefined);
      await api(a.key, 'DELETE', `/webhooks/${first.json().id}`);
    });

    it('changes URL, filters and enabled state; rotates the secret', async () => {
      const id = (await api(a.key, 'GET', '/webhooks')).json().data[0].id;
      const patched = await api(a.key, 'PATCH', `/webhooks/${id}`, { url: 'https://93.184.216.34/v2', linkIds: ['lnk_1'], tags: [], enabled: false });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.deepEqual([patched.json().url, patched.json().linkIds, patched.json().tags, patched.json().enabled], ['https://93.184.216.34/v2', ['lnk_1'], [], false]);
      assert.equal((await api(a.key, 'PATCH', `/webhooks/${id}`, { enabled: true })).json().enabled, true);
      const rotated = await api(a.key, 'POST', `/webhooks/${id}/rotate-secret`);
      assert.equal(rotated.statusCode, 200);
      assert.match(rotated.json().secret, /^whsec_/);
      const stored = await t.curt.webhooks.repository.byId(id);
      assert.equal(stored?.secret, rotated.json().secret);
      assert.ok(stored?.previousSecret?.startsWith('whsec_'));
      assert.ok(stored!.previousSecretExpiresAt!.getTime() > Date.now() + 23 * 3_600_000);
    });

    it('refuses private, loopback, link-local and metadata destinations with a reason at /url', async () => {
      for (const url of ['http://127.0.0.1/x', 'http://2130706433/', 'http://0x7f000001/', 'http://0177.0.0.1/', 'http://127.1/', 'http://[::1]/',
        'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://10.0.0.8/', 'http://192.168.1.1/',
        'http://172.16.0.1/', 'http://100.64.0.1/', 'http://0.0.0.0/', 'http://localhost:8080/']) {
        const res = await api(a.key, 'POST', '/webhooks', { url, events: ['link.created'] });
        assert.equal(res.statusCode, 422, url);
        assert.equal(res.json().errors[0].pointer, '/url', url);
        assert.match(res.json().errors[0].detail, /loopback|private|link-local|unspecified|carrier-grade|public addresses/, url);
      }
      const metadata = await api(a.key, 'POST', '/webhooks', { url: 'http://169.254.169.254/', events: ['link.created'] });
      assert.match(metadata.json().errors[0].detail, /metadata/);
    });

    it('refuses other bad input', async () => {
      const cases: Array<[object, string]> = [
        [{ url: 'ftp://93.184.216.34/', events: ['link.created'] }, '/url'],
        [{ url: 'https://user:pw@93.184.216.34/', events: ['link.created'] }, '/url'],
        [{ url: 'not a url', events: ['link.created'] }, '/url'],
        [{ url: PUBLIC, events: [] }, '/events'],
        [{ url: PUBLIC, events: ['link.exploded'] }, '/events/0'],
        [{ url: PUBLIC }, '/events'],
        [{ url: PUBLIC, events: ['link.created'], tags: [''] }, '/tags/0'],
      ];
      for (const [body, pointer] of cases) {
        const res = await api(a.key, 'POST', '/webhooks', body);
        assert.equal(res.statusCode, 422, JSON.stringify(body));
        assert.ok(res.json().errors.some((e: { pointer: string }) => e.pointer === pointer), `${JSON.stringify(body)}: ${res.body}`);
      }
      const id = (await api(a.key, 'GET', '/webhooks')).json().data[0].id;
      assert.equal((await api(a.key, 'PATCH', `/webhooks/${id}`, { url: 'http://10.0.0.1/' })).statusCode, 422);
      assert.equal((await api(a.key, 'GET', '/webhooks?cursor=garbage')).statusCode, 422);
    });

    it('caps webhooks per workspace at 50', async () => {
      const c = await createTenant(t);
      for (let i = 0; i < 50; i++) assert.equal((await api(c.key, 'POST', '/webhooks', { url: PUBLIC, events: ['link.created'] })).statusCode, 201);
      assert.equal((await api(c.key, 'POST', '/webhooks', { url: PUBLIC, events: ['link.created'] })).statusCode, 409);
      const page = (await api(c.key, 'GET', '/webhooks?limit=30')).json();
      assert.equal(page.data.length, 30);
      assert.equal((await api(c.key, 'GET', `/webhooks?limit=30&cursor=${page.nextCursor}`)).json().data.length, 20);
    });

    it('needs webhooks:read / webhooks:write, and hides other workspaces\' webhooks', async () => {
      const id = (await api(a.key, 'GET', '/webhooks')).json().data[0].id;
      assert.equal((await t.curt.app.inject({ method: 'GET', url: '/api/v1/webhooks' })).statusCode, 401);
      const reader = await a.keyWith(['webhooks:read']);
      assert.equal((await api(reader, 'GET', '/webhooks')).statusCode, 200);
      assert.equal((await api(reader, 'GET', `/webhooks/${id}/deliveries`)).statusCode, 200);
      assert.equal((await api(reader, 'POST', '/webhooks', { url: PUBLIC, events: ['link.created'] })).statusCode, 403);
      assert.equal((await api(reader, 'POST', `/webhooks/${id}/rotate-secret`)).statusCode, 403);
      assert.equal((await api(reader, 'POST', `/webhooks/${id}/test`)).statusCode, 403);
      const linksOnly = await a.keyWith(['links:read']);
      assert.equal((await api(linksOnly, 'GET', '/webhooks')).statusCode, 403);
      for (const [method, url] of [['GET', `/webhooks/${id}`], ['PATCH', `/webhooks/${id}`], ['DELETE', `/webhooks/${id}`], ['POST', `/webhooks/${id}/rotate-secret`],
        ['GET', `/webhooks/${id}/deliveries`], ['POST', `/webhooks/${id}/test`], ['POST', `/webhooks/${id}/deliveries/whd_x/retry`]] as const) {
        const res = await api(b.key, method, url, method === 'PATCH' ? { enabled: false } : undefined);
        assert.equal(res.statusCode, 404, `${method} ${url}`);
      }
      assert.deepEqual((await api(b.key, 'GET', '/webhooks')).json().data, []);
    });

    it('queues a manual retry as a webhook.deliver job of the workspace', async () => {
      const id = (await api(a.key, 'GET', '/webhooks')).json().data[0].id;
      const deliveryId = newId('whd');
      await t.curt.webhooks.repository.appendDelivery({
        id: deliveryId, webhookId: id, workspaceId: a.workspaceId, eventId: 'evt_1', eventType: 'link.created', attempt: 1, status: 'failed',
        responseStatus: 500, durationMs: 3, responseExcerpt: null, error: 'HTTP 500', nextAttemptAt: null, createdAt: new Date(),
      });
      assert.equal((await api(a.key, 'POST', `/webhooks/${id}/deliveries/${deliveryId}/retry`)).statusCode, 202);
      const jobs = (await api(a.key, 'GET', '/jobs')).json().data as { name: string }[];
      assert.ok(jobs.some((j) => j.name === 'webhook.deliver'), JSON.stringify(jobs));
    });

    it('deletes', async () => {
      const id = (await api(a.key, 'GET', '/webhooks')).json().data[0].id;
      assert.equal((await api(a.key, 'DELETE', `/webhooks/${id}`)).statusCode, 204);
      assert.equal((await api(a.key, 'GET', `/webhooks/${id}`)).statusCode, 404);
      assert.equal((await api(a.key, 'DELETE', `/webhooks/${id}`)).statusCode, 404);
    });

    it('documents every route in the OpenAPI document', async () => {
      const doc = (await t.curt.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      for (const path of ['/api/v1/webhooks', '/api/v1/webhooks/{id}', '/api/v1/webhooks/{id}/rotate-secret', '/api/v1/webhooks/{id}/deliveries',
        '/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry', '/api/v1/webhooks/{id}/test']) assert.ok(doc.paths[path], path);
    });
  });

  describe(`webhook ping, delivery log and manual retry (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let receiver: Receiver;
    const jobs = new MemoryJobQueue();
    const events = new MemoryEventStore();
    before(async () => {
      receiver = await new Receiver().start();
      t = await startCurt(engine, { CURT_WEBHOOK_ALLOW_PRIVATE: 'true' }, { clickFlushMs: 60_000, webhooks: { jobs, events, sender: { timeoutMs: 2000 } } });
      a = await createTenant(t);
    });
    after(async () => {
      await t.close();
      await receiver.close();
    });
    const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
      t.curt.app.inject({ method, url: `/api/v1${url}`, headers: bearer(a.key), ...(payload ? { payload } : {}) });

    it('sends a signed test ping and logs it; retries a failed event delivery through the queue', async () => {
      const created = (await api('POST', '/webhooks', { url: receiver.url(), events: ['link.created'] })).json();
      receiver.replies(200);
      const ping = await api('POST', `/webhooks/${created.id}/test`);
      assert.equal(ping.statusCode, 200, ping.body);
      assert.equal(ping.json().status, 'delivered');
      assert.equal(ping.json().eventType, 'webhook.test');
      const got = receiver.received[0]!;
      assert.equal((new StandardWebhook(created.secret).verify(got.body, got.headers as Record<string, string>) as { type: string }).type, 'webhook.test');

      const event = makeEvent({ workspaceId: a.workspaceId });
      await events.record([event]);
      receiver.replies(500);
      await assert.rejects(t.curt.webhooks.deliverer.run({
        id: 'job_1', name: 'webhook.deliver', payload: { webhookId: created.id, eventId: event.id }, workspaceId: a.workspaceId, attempt: 1, maxAttempts: 10, signal: new AbortController().signal,
      }), { name: 'RetryAfter' });
      const log = (await api('GET', `/webhooks/${created.id}/deliveries`)).json();
      assert.deepEqual(log.data.map((d: { eventType: string; status: string; responseStatus: number }) => [d.eventType, d.status, d.responseStatus]),
        [['link.created', 'failed', 500], ['webhook.test', 'delivered', 200]]);
      assert.equal(log.data[0].eventId, event.id);
      assert.equal(log.data[0].responseBody, 'status 500');
      assert.ok(log.data[0].nextAttemptAt);

      const retry = await api('POST', `/webhooks/${created.id}/deliveries/${log.data[0].id}/retry`);
      assert.equal(retry.statusCode, 202, retry.body);
      assert.deepEqual(jobs.queued.at(-1)?.payload, { webhookId: created.id, eventId: event.id, manual: true });
      assert.equal(jobs.queued.at(-1)?.id, retry.json().jobId);
      assert.equal((await api('POST', `/webhooks/${created.id}/deliveries/${log.data[1].id}/retry`)).statusCode, 409, 'a ping is not retried');
      assert.equal((await api('POST', `/webhooks/${created.id}/deliveries/whd_missing/retry`)).statusCode, 404);
    });

    it('turns served redirects into one batched link.clicked event, planned and delivered with link tags', async () => {
      const link = (await api('POST', '/links', { url: 'https://example.com/landing', tags: ['promo'] })).json();
      const other = (await api('POST', '/links', { url: 'https://example.com/other' })).json();
      const hook = (await api('POST', '/webhooks', { url: receiver.url('/clicks'), events: ['link.clicked'], tags: ['promo'] })).json();
      const origin = await t.curt.app.listen({ port: 0, host: '127.0.0.1' });
      for (const slug of [link.slug, link.slug, other.slug]) {
        const res = await fetch(`${origin}/${slug}`, { redirect: 'manual' });
        assert.equal(res.status, 302);
      }
      await t.curt.clicks.flush();
      await t.curt.webhooks.clicks!.idle();
      const recorded = events.recorded.filter((e) => e.type === 'link.clicked' && e.workspaceId === a.workspaceId);
      assert.equal(recorded.length, 1, 'one event for the batch');
      assert.equal((recorded[0]!.data.clicks as unknown[]).length, 3);
      const planned = await t.curt.webhooks.subscriber.plan(recorded[0]!);
      assert.deepEqual(planned.map((j) => j.payload.webhookId), [hook.id]);
      receiver.replies(204);
      await t.curt.webhooks.deliverer.run({ id: 'job_2', name: 'webhook.deliver', payload: planned[0]!.payload, workspaceId: a.workspaceId, attempt: 1, maxAttempts: 10, signal: new AbortController().signal });
      const body = JSON.parse(receiver.received[0]!.body);
      assert.equal(body.type, 'link.clicked');
      assert.deepEqual(body.data.clicks.map((c: { linkId: string; tags: string[] }) => [c.linkId, c.tags]), [[link.id, ['promo']], [link.id, ['promo']]], 'only the tagged link\'s clicks');
    });
  });
}
