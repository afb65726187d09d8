import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlWebhookRepository } from '../../src/adapters/db/repositories/webhook-repository.sql.js';
import { AddressPolicy } from '../../src/adapters/net/address-policy.js';
import { DestinationGuard } from '../../src/adapters/net/destination-guard.js';
import { HttpWebhookSender } from '../../src/adapters/net/webhook-sender.js';
import type { DomainEvent } from '../../src/core/events/domain-event.js';
import { newId } from '../../src/core/ids.js';
import { newWebhookSecret } from '../../src/core/webhooks/signing.js';
import { WEBHOOK_DELIVER, WebhookDeliverer } from '../../src/core/webhooks/webhook-delivery.js';
import type { Webhook } from '../../src/core/webhooks/webhook.js';
import { createUser } from '../db/fixtures.js';
import { engines } from '../support/engines.js';
import { makeEvent, MemoryEventStore, Receiver, runToEnd } from '../support/webhooks.js';

const SCHEDULE = [5000, 300_000, 1_800_000];

for (const engine of engines) {
  describe(`webhook delivery to a local receiver (${engine.name})`, () => {
    let handle: DatabaseHandle;
    let repo: SqlWebhookRepository;
    let receiver: Receiver;
    let events: MemoryEventStore;
    let outbox: DomainEvent[];
    let workspaceId: string;
    const sender = (allowPrivate = true, timeoutMs = 2000) => new HttpWebhookSender(new DestinationGuard(new AddressPolicy(allowPrivate)), { timeoutMs });
    const deliverer = (options: { allowPrivate?: boolean; timeoutMs?: number; disableAfterMs?: number } = {}) =>
      new WebhookDeliverer(repo, events, sender(options.allowPrivate, options.timeoutMs), { schedule: SCHEDULE, disableAfterMs: options.disableAfterMs ?? 5 * 86_400_000, random: () => 0.5 });

    before(async () => {
      handle = await engine.open();
      outbox = [];
      repo = new SqlWebhookRepository(handle.db, async (_tx, recorded) => { outbox.push(...recorded); });
      receiver = await new Receiver().start();
      workspaceId = (await createUser(handle.db)).workspaceId;
    });
    after(async () => {
      await receiver.close();
      await handle.close();
    });
    beforeEach(() => { events = new MemoryEventStore(); });

    async function hook(fields: Partial<Webhook> = {}): Promise<Webhook> {
      const now = new Date();
      const w: Webhook = {
        id: newId('wh'), workspaceId, url: receiver.url(), events: ['link.created', 'link.clicked'], linkIds: [], tags: [], enabled: true, disabledReason: null,
        secret: newWebhookSecret(), previousSecret: null, previousSecretExpiresAt: null, failingSince: null, createdAt: now, updatedAt: now, ...fields,
      };
      await repo.insert(w);
      return w;
    }
    async function event(fields: Partial<DomainEvent> = {}): Promise<DomainEvent> {
      const e = makeEvent({ id: newId('evt'), workspaceId, ...fields });
      await events.record([e]);
      return e;
    }
    const job = (w: Webhook, e: DomainEvent, payload: Record<string, unknown> = {}) => ({ name: WEBHOOK_DELIVER, payload: { webhookId: w.id, eventId: e.id, ...payload }, workspaceId });
    const log = async (w: Webhook) => (await repo.deliveries(workspaceId, w.id, null, 100)).reverse();

    it('retries a receiver that fails twice, with the same webhook-id and verifiable signatures', async () => {
      const w = await hook();
      const e = await event();
      receiver.replies(500, 500, 200);
      const result = await runToEnd(deliverer().definition(), job(w, e));
      assert.equal(result.state, 'done');
      assert.deepEqual(result.delays, [5000, 300_000], 'the schedule (jitter pinned to its middle)');
      assert.equal(receiver.received.length, 3);
      assert.deepEqual(receiver.received.map((r) => r.headers['webhook-id']), [e.id, e.id, e.id]);
      for (const got of receiver.received) {
        const verified = new StandardWebhook(w.secret).verify(got.body, got.headers as Record<string, string>);
        assert.deepEqual(verified, { type: 'link.created', timestamp: e.timestamp.toISOString(), data: e.data });
        assert.equal(got.headers['user-agent'], 'Curt-Webhooks/1');
      }
      const rows = await log(w);
      assert.deepEqual(rows.map((r) => [r.attempt, r.status, r.responseStatus]), [[1, 'failed', 500], [2, 'failed', 500], [3, 'delivered', 200]]);
      assert.equal(rows[0]!.responseExcerpt, 'status 500');
      assert.ok(rows[0]!.nextAttemptAt && rows[0]!.nextAttemptAt > rows[0]!.createdAt);
      assert.equal(rows[2]!.nextAttemptAt, null);
      assert.equal((await repo.byId(w.id))?.failingSince, null, 'a success clears the failure streak');
    });

    it('disables the webhook on 410 and records webhook.disabled', async () => {
      const w = await hook();
      receiver.replies(410);
      const result = await runToEnd(deliverer().definition(), job(w, await event()));
      assert.equal(result.state, 'done');
      assert.equal(result.attempts, 1);
      const after410 = await repo.byId(w.id);
      assert.equal(after410?.enabled, false);
      assert.match(after410?.disabledReason ?? '', /410/);
      const disabled = outbox.find((o) => o.data.webhookId === w.id);
      assert.equal(disabled?.type, 'webhook.disabled');
      assert.equal(disabled?.workspaceId, workspaceId);
      receiver.replies(200);
      await runToEnd(deliverer().definition(), job(w, await event()));
      assert.equal(receiver.received.length, 0, 'a disabled webhook gets nothing');
    });

    it('treats 3xx as a failure and never follows it', async () => {
      const w = await hook();
      receiver.replies((res) => res.writeHead(302, { location: receiver.url('/target') }).end(), 200);
      const result = await runToEnd(deliverer().definition(), job(w, await event()), 1);
      assert.equal(result.delays.length, 1, 'retried per schedule');
      assert.equal(receiver.hits('/target'), 0, 'the redirect target was never called');
      const [row] = await log(w);
      assert.equal(row?.status, 'failed');
      assert.equal(row?.responseStatus, 302);
      assert.match(row?.error ?? '', /redirects are not followed/);
    });

    it('honours Retry-After on 429', async () => {
      const w = await hook();
      receiver.replies((res) => res.writeHead(429, { 'retry-after': '7' }).end(), 200);
      const result = await runToEnd(deliverer().definition(), job(w, await event()));
      assert.equal(result.state, 'done');
      assert.deepEqual(result.delays, [7000]);
      const [row] = await log(w);
      assert.ok(row!.nextAttemptAt!.getTime() - row!.createdAt.getTime() >= 7000);
    });

    it('logs a timeout as a failure', async () => {
      const w = await hook();
      receiver.replies(() => { /* never answers */ });
      const result = await runToEnd(deliverer({ timeoutMs: 200 }).definition(), job(w, await event()), 1);
      assert.equal(result.delays.length, 1);
      const [row] = await log(w);
      assert.equal(row?.status, 'failed');
      assert.equal(row?.responseStatus, null);
      assert.equal(row?.error, 'timed out after 200 ms');
    });

    it('without CURT_WEBHOOK_ALLOW_PRIVATE refuses 127.0.0.1 at connect time and logs it', async () => {
      const w = await hook();
      receiver.replies(200);
      const result = await runToEnd(deliverer({ allowPrivate: false }).definition(), job(w, await event()), 1);
      assert.equal(result.delays.length, 1, 'a failure, retried later, not a crash');
      assert.equal(receiver.received.length, 0);
      const [row] = await log(w);
      assert.match(row?.error ?? '', /refused to connect to 127\.0\.0\.1: .*loopback/);
    });

    it('goes dead once the schedule is exhausted', async () => {
      const w = await hook();
      receiver.replies(500);
      const result = await runToEnd(deliverer().definition(), job(w, await event()));
      assert.equal(result.state, 'dead');
      assert.equal(result.attempts, SCHEDULE.length + 1);
      assert.match(result.error ?? '', /retry schedule exhausted/);
      const rows = await log(w);
      assert.equal(rows.length, 4);
      assert.equal(rows.at(-1)?.nextAttemptAt, null);
    });

    it('disables a webhook whose deliveries have all failed for 5 days', async () => {
      const w = await hook();
      await repo.markFailing(w.id, new Date(Date.now() - 5 * 86_400_000 - 1000));
      receiver.replies(500);
      const result = await runToEnd(deliverer().definition(), job(w, await event()));
      assert.equal(result.state, 'done', 'no further retries');
      const disabled = await repo.byId(w.id);
      assert.equal(disabled?.enabled, false);
      assert.match(disabled?.disabledReason ?? '', /failed for 5 days/);
      assert.ok(outbox.some((o) => o.type === 'webhook.disabled' && o.data.webhookId === w.id));
    });

    it('signs with both secrets during a rotation', async () => {
      const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
      const w = await hook({ secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(Date.now() + 3_600_000) });
      const expired = await hook({ secret: current, previousSecret: previous, previousSecretExpiresAt: new Date(Date.now() - 1000) });
      receiver.replies(200);
      await runToEnd(deliverer().definition(), job(w, await event()));
      await runToEnd(deliverer().definition(), job(expired, await event()));
      const [during, afterwards] = receiver.received;
      assert.equal(String(during!.headers['webhook-signature']).split(' ').length, 2);
      new StandardWebhook(current).verify(during!.body, during!.headers as Record<string, string>);
      new StandardWebhook(previous).verify(during!.body, during!.headers as Record<string, string>);
      assert.equal(String(afterwards!.headers['webhook-signature']).split(' ').length, 1);
      assert.throws(() => new StandardWebhook(previous).verify(afterwards!.body, afterwards!.headers as Record<string, string>));
    });

    it('a manual retry is one attempt whose number continues the log', async () => {
      const w = await hook();
      const e = await event();
      receiver.replies(500);
      await runToEnd(deliverer().definition(), job(w, e), 1);
      const manual = await runToEnd(deliverer().definition(), job(w, e, { manual: true }));
      assert.equal(manual.state, 'dead');
      assert.equal(manual.attempts, 1);
      assert.match(manual.error ?? '', /manual retry failed/);
      receiver.replies(200);
      assert.equal((await runToEnd(deliverer().definition(), job(w, e, { manual: true }))).state, 'done');
      assert.deepEqual((await log(w)).map((r) => [r.attempt, r.status]), [[1, 'failed'], [2, 'failed'], [3, 'delivered']]);
    });

    it('narrows a link.clicked batch to the clicks its link filter wants', async () => {
      const w = await hook({ linkIds: ['lnk_a'] });
      receiver.replies(200);
      const clicks = [{ id: 'c1', linkId: 'lnk_a', tags: [] }, { id: 'c2', linkId: 'lnk_b', tags: [] }];
      await runToEnd(deliverer().definition(), job(w, await event({ type: 'link.clicked', linkId: null, data: { clicks } })));
      assert.deepEqual(JSON.parse(receiver.received[0]!.body).data.clicks.map((c: { id: string }) => c.id), ['c1']);
    });

    it('finishes silently for a deleted webhook or a pruned event', async () => {
      const w = await hook();
      receiver.replies(200);
      assert.equal((await runToEnd(deliverer().definition(), job(w, makeEvent({ id: 'evt_pruned' })))).state, 'done');
      await repo.delete(workspaceId, w.id);
      assert.equal((await runToEnd(deliverer().definition(), job(w, await event()))).state, 'done');
      assert.equal(receiver.received.length, 0);
    });
  });
}
