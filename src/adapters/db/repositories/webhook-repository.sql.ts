import { sql, type Selectable } from 'kysely';
import type { DomainEvent, EventType } from '../../../core/events/domain-event.js';
import type { LinkTags, Webhook, WebhookChanges, WebhookDelivery, WebhookRepository } from '../../../core/webhooks/webhook.js';
import type { Db } from '../database.js';
import type { WebhookDeliveriesTable, WebhooksTable } from '../schema.js';

/** Writes events into the outbox inside the caller's transaction (recordEvents, outbox.sql.ts). */
export type OutboxWriter = (tx: Db, events: readonly DomainEvent[]) => Promise<void>;

const toWebhook = (r: Selectable<WebhooksTable>): Webhook => ({
  id: r.id, workspaceId: r.workspace_id, url: r.url, events: r.events as EventType[], linkIds: r.link_ids, tags: r.tags,
  enabled: r.enabled, disabledReason: r.disabled_reason, secret: r.secret, previousSecret: r.previous_secret,
  previousSecretExpiresAt: r.previous_secret_expires_at, failingSince: r.failing_since, createdAt: r.created_at, updatedAt: r.updated_at,
});

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): WebhookDelivery => ({
  id: r.id, webhookId: r.webhook_id, workspaceId: r.workspace_id, eventId: r.event_id, eventType: r.event_type, attempt: r.attempt,
  status: r.status, responseStatus: r.response_status, durationMs: r.duration_ms, responseExcerpt: r.response_excerpt,
  error: r.error, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at,
});

type After = { createdAt: Date; id: string } | null;

export class SqlWebhookRepository implements WebhookRepository, LinkTags {
  constructor(private readonly db: Db, private readonly outbox: OutboxWriter) {}

  async list(workspaceId: string, after: After, limit: number): Promise<Webhook[]> {
    let query = this.db.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId);
    if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toWebhook);
  }

  async count(workspaceId: string): Promise<number> {
    const row = await this.db.selectFrom('webhooks').select((eb) => eb.fn.countAll<number>().as('n')).where('workspace_id', '=', workspaceId).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async get(workspaceId: string, id: string): Promise<Webhook | null> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async byId(id: string): Promise<Webhook | null> {
    const row = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async insert(w: Webhook): Promise<void> {
    await this.db.insertInto('webhooks').values({
      id: w.id, workspace_id: w.workspaceId, url: w.url, events: w.events, link_ids: w.linkIds, tags: w.tags, secret: w.secret,
      previous_secret: w.previousSecret, previous_secret_expires_at: w.previousSecretExpiresAt, enabled: w.enabled,
      disabled_reason: w.disabledReason, failing_since: w.failingSince, created_at: w.createdAt, updated_at: w.updatedAt,
    }).execute();
  }

  async update(workspaceId: string, id: string, c: WebhookChanges, now: Date): Promise<Webhook | null> {
    const row = await this.db.updateTable('webhooks').set({
      updated_at: now,
      ...(c.url !== undefined ? { url: c.url } : {}),
      ...(c.events !== undefined ? { events: c.events } : {}),
      ...(c.linkIds !== undefined ? { link_ids: c.linkIds } : {}),
      ...(c.tags !== undefined ? { tags: c.tags } : {}),
      ...(c.enabled === true ? { enabled: true, disabled_reason: null, failing_since: null } : {}),
      ...(c.enabled === false ? { enabled: false } : {}),
    }).where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async rotateSecret(workspaceId: string, id: string, secret: string, previousExpiresAt: Date, now: Date): Promise<Webhook | null> {
    const row = await this.db.updateTable('webhooks')
      .set((eb) => ({ previous_secret: eb.ref('secret'), previous_secret_expires_at: previousExpiresAt, secret, updated_at: now }))
      .where('workspace_id', '=', workspaceId).where('id', '=', id).returningAll().executeTakeFirst();
    return row ? toWebhook(row) : null;
  }

  async delete(workspaceId: string, id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('webhooks').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async subscribed(workspaceId: string, type: EventType): Promise<Webhook[]> {
    const rows = await this.db.selectFrom('webhooks').selectAll().where('workspace_id', '=', workspaceId).where('enabled', '=', true)
      .where(sql<boolean>`events @> ARRAY[${type}]::text[]`).orderBy('id').execute();
    return rows.map(toWebhook);
  }

  async workspacesSubscribed(type: EventType): Promise<string[]> {
    const rows = await this.db.selectFrom('webhooks').select('workspace_id').distinct().where('enabled', '=', true)
      .where(sql<boolean>`events @> ARRAY[${type}]::text[]`).execute();
    return rows.map((r) => r.workspace_id);
  }

  async appendDelivery(d: WebhookDelivery): Promise<number> {
    const attempt = d.attempt > 0 ? sql<number>`${d.attempt}::int` : sql<number>`(SELECT coalesce(max(attempt), 0) + 1 FROM webhook_deliveries WHERE webhook_id = ${d.webhookId} AND event_id = ${d.eventId})`;
    const row = await this.db.insertInto('webhook_deliveries').values({
      id: d.id, webhook_id: d.webhookId, workspace_id: d.workspaceId, event_id: d.eventId, event_type: d.eventType, attempt,
      status: d.status, response_status: d.responseStatus, duration_ms: d.durationMs, response_excerpt: d.responseExcerpt,
      error: d.error, next_attempt_at: d.nextAttemptAt, created_at: d.createdAt,
    }).returning('attempt').executeTakeFirstOrThrow();
    return row.attempt;
  }

  async deliveries(workspaceId: string, webhookId: string, after: After, limit: number): Promise<WebhookDelivery[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('webhook_id', '=', webhookId).where('workspace_id', '=', workspaceId);
    if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toDelivery);
  }

  async delivery(workspaceId: string, webhookId: string, deliveryId: string): Promise<WebhookDelivery | null> {
    const row = await this.db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', workspaceId)
      .where('webhook_id', '=', webhookId).where('id', '=', deliveryId).executeTakeFirst();
    return row ? toDelivery(row) : null;
  }

  async markHealthy(id: string): Promise<void> {
    await this.db.updateTable('webhooks').set({ failing_since: null }).where('id', '=', id).where('failing_since', 'is not', null).execute();
  }

  async markFailing(id: string, at: Date): Promise<Date> {
    const row = await this.db.updateTable('webhooks').set({ failing_since: sql<Date>`coalesce(failing_since, ${at})` })
      .where('id', '=', id).returning('failing_since').executeTakeFirst();
    return row?.failing_since ?? at;
  }

  async disable(id: string, reason: string, event: DomainEvent): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const row = await tx.updateTable('webhooks').set({ enabled: false, disabled_reason: reason, updated_at: event.timestamp })
        .where('id', '=', id).where('enabled', '=', true).returning('id').executeTakeFirst();
      if (!row) return false;
      await this.outbox(tx, [event]);
      return true;
    });
  }

  async tagsOf(workspaceId: string, linkIds: readonly string[]): Promise<Map<string, string[]>> {
    if (linkIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('links').select(['id', 'tags']).where('workspace_id', '=', workspaceId).where('id', 'in', [...linkIds]).execute();
    return new Map(rows.map((r) => [r.id, r.tags]));
  }
}
