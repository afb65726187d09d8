import type { DomainEvent } from '../events/domain-event.js';
import { newId } from '../ids.js';
import { PermanentFailure, RetryAfter, type JobDefinition, type RunningJob } from '../jobs/ports.js';
import { outcomeOf, type DeliveryOutcome } from './delivery-outcome.js';
import { DEFAULT_RETRY_SCHEDULE_MS, withJitter } from './retry-schedule.js';
import { webhookHeaders } from './signing.js';
import { envelopeFor } from './webhook-filters.js';
import type { EventStore, SendResult, Webhook, WebhookDelivery, WebhookRepository, WebhookSender } from './webhook.js';

export const WEBHOOK_DELIVER = 'webhook.deliver';

/** What the job does after an attempt. */
type Next = { kind: 'done' } | { kind: 'retry'; delayMs: number; error: string } | { kind: 'exhausted'; error: string };

export interface DeliverPayload { webhookId: string; eventId: string; [key: string]: unknown }

export interface DeliveryOptions {
  /** Delays before retries 1, 2, …; CURT_WEBHOOK_RETRY_SCHEDULE. */
  schedule?: readonly number[];
  /** A webhook failing every delivery this long is disabled (SPEC §5: 5 days). */
  disableAfterMs?: number;
  now?: () => Date;
  random?: () => number;
  /** Told of each event delivery attempt's outcome (metrics; test pings are not counted). */
  onOutcome?: (outcome: DeliveryOutcome['kind']) => void;
}

const FIVE_DAYS_MS = 5 * 86_400_000;

/** The secrets that sign now: the current one, and the previous one during its 24 h overlap. */
export function activeSecrets(webhook: Webhook, now: Date): string[] {
  const previous = webhook.previousSecret && webhook.previousSecretExpiresAt && webhook.previousSecretExpiresAt > now ? [webhook.previousSecret] : [];
  return [webhook.secret, ...previous];
}

/**
 * The `webhook.deliver` job: sign, send through the SSRF-safe sender, log the attempt, apply
 * SPEC §5's outcome rules. Idempotent per attempt (a redelivered job sends again, with the
 * same webhook-id, which is what receivers deduplicate on).
 */
export class WebhookDeliverer {
  readonly schedule: readonly number[];
  private readonly disableAfterMs: number;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly onOutcome: ((outcome: DeliveryOutcome['kind']) => void) | undefined;

  constructor(
    private readonly webhooks: WebhookRepository,
    private readonly events: EventStore,
    private readonly sender: WebhookSender,
    options: DeliveryOptions = {},
  ) {
    this.schedule = options.schedule ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.disableAfterMs = options.disableAfterMs ?? FIVE_DAYS_MS;
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
    this.onOutcome = options.onOutcome;
  }

  definition(): JobDefinition {
    return {
      name: WEBHOOK_DELIVER,
      handler: (job) => this.run(job),
      maxAttempts: this.schedule.length + 1,
      backoffMs: (attempt) => this.delayAfter(attempt),
      leaseMs: 60_000,
    };
  }

  /** Delay after failed attempt n (1-based), with jitter. */
  delayAfter(attempt: number): number {
    const base = this.schedule[Math.min(attempt, this.schedule.length) - 1] ?? 0;
    return withJitter(base, this.random);
  }

  async run(job: RunningJob): Promise<void> {
    const { webhookId, eventId } = job.payload as DeliverPayload;
    const webhook = await this.webhooks.byId(webhookId);
    if (!webhook || !webhook.enabled) return; // deleted or disabled since: nothing to do
    const event = await this.events.find(eventId);
    if (!event) return; // pruned from the outbox
    const manual = job.payload.manual === true;
    const lastTry = manual || job.attempt >= job.maxAttempts;
    const next = await this.attempt(webhook, event, job.signal, lastTry ? null : job.attempt);
    if (next.kind === 'retry') throw new RetryAfter(next.delayMs, next.error);
    if (next.kind === 'exhausted') throw new PermanentFailure(`${next.error}; ${manual ? 'manual retry failed' : 'retry schedule exhausted'}`);
  }

  /** POST /webhooks/{id}/test: one signed ping, logged, without touching the webhook's health. */
  async ping(webhook: Webhook): Promise<WebhookDelivery> {
    const now = this.now();
    const id = newId('evt', now.getTime());
    const body = JSON.stringify({ type: 'webhook.test', timestamp: now.toISOString(), data: { webhookId: webhook.id } });
    const result = await this.sender.send({ url: webhook.url, headers: webhookHeaders(activeSecrets(webhook, now), id, now, body), body });
    const outcome = outcomeOf(result);
    const delivery = this.logRow(webhook, id, 'webhook.test', 1, result, outcome.kind === 'delivered' ? null : outcome.error, null);
    await this.webhooks.appendDelivery(delivery);
    return delivery;
  }

  /**
   * One attempt of a stored event. `retryNumber` is the job attempt whose failure plans the next
   * run (null: no further run, the last scheduled or a manual retry).
   */
  private async attempt(webhook: Webhook, event: DomainEvent, signal: AbortSignal, retryNumber: number | null): Promise<Next> {
    const body = envelopeFor(webhook, event);
    const sentAt = this.now();
    const result = await this.sender.send({ url: webhook.url, headers: webhookHeaders(activeSecrets(webhook, sentAt), event.id, sentAt, body), body, signal });
    const outcome = outcomeOf(result);
    this.onOutcome?.(outcome.kind);
    const log = (error: string | null, delayMs: number | null) => this.webhooks.appendDelivery(this.logRow(webhook, event.id, event.type, 0, result, error, delayMs));
    if (outcome.kind === 'delivered') {
      await log(null, null);
      if (webhook.failingSince !== null) await this.webhooks.markHealthy(webhook.id);
      return { kind: 'done' };
    }
    if (outcome.kind === 'gone') {
      await log(outcome.error, null);
      await this.disable(webhook, 'the endpoint answered 410 Gone');
      return { kind: 'done' };
    }
    const failingSince = await this.webhooks.markFailing(webhook.id, sentAt);
    if (sentAt.getTime() - failingSince.getTime() >= this.disableAfterMs) {
      await log(outcome.error, null);
      const days = Math.round((this.disableAfterMs / 86_400_000) * 10) / 10;
      await this.disable(webhook, `every delivery failed for ${days} days (since ${failingSince.toISOString()})`);
      return { kind: 'done' };
    }
    if (retryNumber === null) {
      await log(outcome.error, null);
      return { kind: 'exhausted', error: outcome.error };
    }
    const delayMs = outcome.retryAfterMs ?? this.delayAfter(retryNumber);
    await log(outcome.error, delayMs);
    return { kind: 'retry', delayMs, error: outcome.error };
  }

  private async disable(webhook: Webhook, reason: string): Promise<void> {
    const event: DomainEvent = {
      id: newId('evt'), type: 'webhook.disabled', workspaceId: webhook.workspaceId, timestamp: this.now(),
      data: { webhookId: webhook.id, url: webhook.url, reason }, linkId: null, tags: [],
    };
    await this.webhooks.disable(webhook.id, reason, event);
  }

  private logRow(webhook: Webhook, eventId: string, eventType: string, attempt: number, result: SendResult, error: string | null, delayMs: number | null): WebhookDelivery {
    const response = result.kind === 'response' ? result : null;
    const at = this.now();
    return {
      id: newId('whd'), webhookId: webhook.id, workspaceId: webhook.workspaceId, eventId, eventType, attempt,
      status: error === null ? 'delivered' : 'failed', responseStatus: response?.status ?? null, durationMs: result.durationMs,
      responseExcerpt: response?.bodyExcerpt ?? null, error: result.kind === 'error' ? result.error : error, nextAttemptAt: delayMs === null ? null : new Date(at.getTime() + delayMs), createdAt: at,
    };
  }
}
