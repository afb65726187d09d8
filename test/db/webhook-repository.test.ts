import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlWebhookRepository } from '../../src/adapters/db/repositories/webhook-repository.sql.js';
import type { DomainEvent } from '../../src/core/events/domain-event.js';
import { newId } from '../../src/core/ids.js';
import type { Webhook, WebhookDelivery } from '../../src/core/webhooks/webhook.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser } from './fixtures.js';

const webhook = (workspaceId: string, fields: Partial<Webhook> = {}): Webhook => {
  const now = new Date();
  return {
    id: newId('wh'), workspaceId, url: 'https://hooks.example.com/in', events: ['link.created'], linkIds: [], tags: [], enabled: true, disabledReason: null,
    secret: 'whsec_AAAA', previousSecret: null, previousSecretExpiresAt: null, failingSince: null, createdAt: now, updatedAt: now, ...fields,
  };
};

const delivery = (w: Webhook, eventId: string, attempt: number, at: Date): WebhookDelivery => ({
  id: newId('whd', at.getTime()), webhookId: w.id, workspaceId: w.workspaceId, eventId, eventType: 'link.created', attempt, status: 'failed',
  responseStatus: 500, durationMs: 12, responseExcerpt: 'oops', error: 'HTTP 500', nextAttemptAt: new Date(at.getTime() + 5000), createdAt: at,
});

for (const engine of engines) {
  describe(`webhook repository (${engine.name})`, () => {
    let handle: DatabaseHandle;
    let repo: SqlWebhookRepository;
    const outboxed: DomainEvent[] = [];
    before(async () => {
      handle = await engine.open();
      repo = new SqlWebhookRepository(handle.db, async (tx, events) => {
        // The writer runs inside the disabling transaction: it sees the row already disabled.
        const row = await tx.selectFrom('webhooks').select('enabled').where('id', '=', String(events[0]!.data.webhookId)).executeTakeFirst();
        assert.equal(row?.enabled, false);
        outboxed.push(...events);
      });
    });
    after(() => handle.close());

    it('stores, lists by workspace newest first, updates and deletes', async () => {
      const { workspaceId } = await createUser(handle.db);
      const other = await createUser(handle.db);
      const first = webhook(workspaceId, { createdAt: new Date(Date.now() - 1000), tags: ['a', 'b'], linkIds: ['lnk_1'] });
      const second = webhook(workspaceId, { events: ['link.clicked', 'link.deleted'] });
      await repo.insert(first);
      await repo.insert(second);
      await repo.insert(webhook(other.workspaceId));
      assert.deepEqual((await repo.list(workspaceId, null, 10)).map((w) => w.id), [second.id, first.id]);
      assert.deepEqual((await repo.list(workspaceId, { createdAt: second.createdAt, id: second.id }, 10)).map((w) => w.id), [first.id]);
      assert.equal(await repo.count(workspaceId), 2);
      assert.deepEqual(await repo.get(workspaceId, first.id), first);
      assert.equal(await repo.get(other.workspaceId, first.id), null, 'another workspace cannot see it');
      const updated = await repo.update(workspaceId, first.id, { url: 'https://other.example.com/', tags: [] }, new Date());
      assert.equal(updated?.url, 'https://other.example.com/');
      assert.deepEqual(updated?.tags, []);
      assert.deepEqual(updated?.linkIds, ['lnk_1']);
      assert.equal(await repo.update(other.workspaceId, first.id, { url: 'https://x.example.com/' }, new Date()), null);
      assert.equal(await repo.delete(other.workspaceId, first.id), false);
      assert.equal(await repo.delete(workspaceId, first.id), true);
      assert.equal(await repo.byId(first.id), null);
    });

    it('finds the enabled webhooks subscribed to a type, and their workspaces', async () => {
      const { workspaceId } = await createUser(handle.db);
      const clicks = webhook(workspaceId, { events: ['link.clicked'] });
      await repo.insert(clicks);
      await repo.insert(webhook(workspaceId, { events: ['link.clicked'], enabled: false }));
      await repo.insert(webhook(workspaceId, { events: ['link.created'] }));
      assert.deepEqual((await repo.subscribed(workspaceId, 'link.clicked')).map((w) => w.id), [clicks.id]);
      assert.ok((await repo.workspacesSubscribed('link.clicked')).includes(workspaceId));
      assert.ok(!(await repo.workspacesSubscribed('link.expired')).includes(workspaceId));
    });

    it('rotates the secret, keeping the previous one with its expiry', async () => {
      const { workspaceId } = await createUser(handle.db);
      const w = webhook(workspaceId, { secret: 'whsec_old' });
      await repo.insert(w);
      const expires = new Date(Date.now() + 86_400_000);
      const rotated = await repo.rotateSecret(workspaceId, w.id, 'whsec_new', expires, new Date());
      assert.equal(rotated?.secret, 'whsec_new');
      assert.equal(rotated?.previousSecret, 'whsec_old');
      assert.equal(rotated?.previousSecretExpiresAt?.getTime(), expires.getTime());
    });

    it('logs deliveries, pages them, counts attempts per event', async () => {
      const { workspaceId } = await createUser(handle.db);
      const w = webhook(workspaceId);
      await repo.insert(w);
      const t0 = Date.now();
      assert.equal(await repo.appendDelivery(delivery(w, 'evt_a', 1, new Date(t0 + 1))), 1);
      assert.equal(await repo.appendDelivery(delivery(w, 'evt_a', 0, new Date(t0 + 2))), 2, 'numbered by the store');
      assert.equal(await repo.appendDelivery(delivery(w, 'evt_a', 0, new Date(t0 + 3))), 3);
      assert.equal(await repo.appendDelivery(delivery(w, 'evt_b', 0, new Date(t0 + 4))), 1, 'per event');
      const page1 = await repo.deliveries(workspaceId, w.id, null, 2);
      assert.deepEqual(page1.map((d) => [d.eventId, d.attempt]), [['evt_b', 1], ['evt_a', 3]]);
      const last = page1.at(-1)!;
      assert.deepEqual((await repo.deliveries(workspaceId, w.id, { createdAt: last.createdAt, id: last.id }, 5)).map((d) => d.attempt), [2, 1]);
      assert.deepEqual(await repo.delivery(workspaceId, w.id, last.id), last);
      const other = await createUser(handle.db);
      assert.equal(await repo.delivery(other.workspaceId, w.id, last.id), null);
    });

    it('tracks failing since the first failure, clears it on success, disables once with an outbox event', async () => {
      const { workspaceId } = await createUser(handle.db);
      const w = webhook(workspaceId);
      await repo.insert(w);
      const t1 = new Date('2030-01-01T00:00:00Z');
      assert.equal((await repo.markFailing(w.id, t1)).getTime(), t1.getTime());
      assert.equal((await repo.markFailing(w.id, new Date('2030-01-02T00:00:00Z'))).getTime(), t1.getTime(), 'keeps the first');
      await repo.markHealthy(w.id);
      assert.equal((await repo.byId(w.id))?.failingSince, null);
      const event: DomainEvent = { id: newId('evt'), type: 'webhook.disabled', workspaceId, timestamp: new Date(), data: { webhookId: w.id }, linkId: null, tags: [] };
      assert.equal(await repo.disable(w.id, 'gone', event), true);
      assert.equal(await repo.disable(w.id, 'gone again', { ...event, id: newId('evt') }), false);
      assert.deepEqual(outboxed.map((e) => e.id), [event.id]);
      const disabled = await repo.byId(w.id);
      assert.equal(disabled?.enabled, false);
      assert.equal(disabled?.disabledReason, 'gone');
      const enabled = await repo.update(workspaceId, w.id, { enabled: true }, new Date());
      assert.equal(enabled?.enabled, true);
      assert.equal(enabled?.disabledReason, null);
    });

    it('reads link tags for click filters', async () => {
      const { workspaceId } = await createUser(handle.db);
      const link = buildLink(workspaceId, { tags: ['promo'] });
      await new SqlLinkRepository(handle.db).insertMany([link]);
      assert.deepEqual(await repo.tagsOf(workspaceId, [link.id, 'lnk_missing']), new Map([[link.id, ['promo']]]));
      assert.deepEqual(await repo.tagsOf('ws_other', [link.id]), new Map());
    });
  });
}
