import { requireScope, type Actor } from '../auth/actor.js';
import { DomainError, invalid, notFound } from '../errors.js';
import { newId } from '../ids.js';
import type { JobQueue } from '../jobs/ports.js';
import { decodeTimeCursor, encodeTimeCursor } from '../pagination.js';
import { newWebhookSecret } from './signing.js';
import { WEBHOOK_DELIVER, type WebhookDeliverer } from './webhook-delivery.js';
import { readWebhookInput, type WebhookInput } from './webhook-input.js';
import type { DestinationCheck, Webhook, WebhookDelivery, WebhookRepository } from './webhook.js';

export interface WebhookServiceOptions {
  maxPerWorkspace?: number;
  /** How long the secret before a rotation keeps signing (SPEC §5: 24 h). */
  rotationOverlapMs?: number;
  now?: () => Date;
}

type Page<T> = { items: T[]; nextCursor: string | null };

function paged<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeTimeCursor(last.createdAt, last.id) : null };
}

/** Webhooks of a workspace (SPEC §4 /webhooks): CRUD, secret rotation, delivery log, retry, ping. */
export class WebhookService {
  private readonly maxPerWorkspace: number;
  private readonly overlapMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly destinations: DestinationCheck,
    private readonly deliverer: WebhookDeliverer,
    /** Manual retries are queued as delivery jobs. */
    private readonly jobs: JobQueue,
    /** Told of every committed change (the link.clicked subscription cache). */
    private readonly changed: () => void = () => {},
    options: WebhookServiceOptions = {},
  ) {
    this.maxPerWorkspace = options.maxPerWorkspace ?? 50;
    this.overlapMs = options.rotationOverlapMs ?? 86_400_000;
    this.now = options.now ?? (() => new Date());
  }

  async list(actor: Actor, cursor: string | undefined, limit: number): Promise<Page<Webhook>> {
    requireScope(actor, 'webhooks:read');
    return paged(await this.webhooks.list(actor.workspaceId, decodeTimeCursor(cursor), limit + 1), limit);
  }

  async get(actor: Actor, id: string): Promise<Webhook> {
    requireScope(actor, 'webhooks:read');
    return this.owned(actor, id);
  }

  async create(actor: Actor, input: WebhookInput): Promise<Webhook> {
    requireScope(actor, 'webhooks:write');
    const { changes, errors } = await readWebhookInput(input, true, this.destinations);
    if (errors.length > 0) throw invalid(errors);
    if ((await this.webhooks.count(actor.workspaceId)) >= this.maxPerWorkspace) {
      throw new DomainError('conflict', `a workspace has at most ${this.maxPerWorkspace} webhooks; delete one first`);
    }
    const now = this.now();
    const webhook: Webhook = {
      id: newId('wh', now.getTime()), workspaceId: actor.workspaceId, url: changes.url!, events: changes.events!,
      linkIds: changes.linkIds ?? [], tags: changes.tags ?? [], enabled: changes.enabled ?? true, disabledReason: null,
      secret: newWebhookSecret(), previousSecret: null, previousSecretExpiresAt: null, failingSince: null, createdAt: now, updatedAt: now,
    };
    await this.webhooks.insert(webhook);
    this.changed();
    return webhook;
  }

  async update(actor: Actor, id: string, input: WebhookInput): Promise<Webhook> {
    requireScope(actor, 'webhooks:write');
    const { changes, errors } = await readWebhookInput(input, false, this.destinations);
    if (errors.length > 0) throw invalid(errors);
    const webhook = await this.webhooks.update(actor.workspaceId, id, changes, this.now());
    if (!webhook) throw notFound('webhook');
    this.changed();
    return webhook;
  }

  async delete(actor: Actor, id: string): Promise<void> {
    requireScope(actor, 'webhooks:write');
    if (!(await this.webhooks.delete(actor.workspaceId, id))) throw notFound('webhook');
    this.changed();
  }

  /** A new secret; the previous one keeps signing alongside for 24 h so receivers can switch. */
  async rotateSecret(actor: Actor, id: string): Promise<Webhook> {
    requireScope(actor, 'webhooks:write');
    const now = this.now();
    const webhook = await this.webhooks.rotateSecret(actor.workspaceId, id, newWebhookSecret(), new Date(now.getTime() + this.overlapMs), now);
    if (!webhook) throw notFound('webhook');
    return webhook;
  }

  async deliveries(actor: Actor, id: string, cursor: string | undefined, limit: number): Promise<Page<WebhookDelivery>> {
    requireScope(actor, 'webhooks:read');
    await this.owned(actor, id);
    return paged(await this.webhooks.deliveries(actor.workspaceId, id, decodeTimeCursor(cursor), limit + 1), limit);
  }

  /** Queues one more attempt of a logged delivery's event (one attempt: no schedule behind it). */
  async retry(actor: Actor, id: string, deliveryId: string): Promise<{ jobId: string }> {
    requireScope(actor, 'webhooks:write');
    const webhook = await this.owned(actor, id);
    const delivery = await this.webhooks.delivery(actor.workspaceId, id, deliveryId);
    if (!delivery) throw notFound('delivery');
    if (delivery.eventType === 'webhook.test') throw new DomainError('conflict', 'a test ping is not retried; send another with POST /webhooks/{id}/test');
    if (!webhook.enabled) throw new DomainError('conflict', 'the webhook is disabled; enable it first (PATCH enabled: true)');
    const [jobId] = await this.jobs.enqueue([{
      name: WEBHOOK_DELIVER, payload: { webhookId: id, eventId: delivery.eventId, manual: true },
      workspaceId: actor.workspaceId, singletonKey: `webhook-retry:${deliveryId}`,
    }]);
    return { jobId: jobId! };
  }

  /** Sends a signed `webhook.test` ping now and answers with its logged result. */
  async test(actor: Actor, id: string): Promise<WebhookDelivery> {
    requireScope(actor, 'webhooks:write');
    return this.deliverer.ping(await this.owned(actor, id));
  }

  private async owned(actor: Actor, id: string): Promise<Webhook> {
    const webhook = await this.webhooks.get(actor.workspaceId, id);
    if (!webhook) throw notFound('webhook');
    return webhook;
  }
}
