import type { EventSubscriber } from '../core/events/domain-event.js';
import type { JobDefinition, JobQueue } from '../core/jobs/ports.js';
import { ClickWebhooks } from '../core/webhooks/click-webhooks.js';
import { WebhookDeliverer } from '../core/webhooks/webhook-delivery.js';
import { WebhookService } from '../core/webhooks/webhook-service.js';
import { WebhookSubscriber } from '../core/webhooks/webhook-subscriber.js';
import type { EventStore } from '../core/webhooks/webhook.js';
import type { Db } from '../adapters/db/database.js';
import { SqlWebhookRepository, type OutboxWriter } from '../adapters/db/repositories/webhook-repository.sql.js';
import { AddressPolicy } from '../adapters/net/address-policy.js';
import { DestinationGuard, type Resolver } from '../adapters/net/destination-guard.js';
import { HttpWebhookSender, type SenderOptions } from '../adapters/net/webhook-sender.js';
import type { Config } from './config.js';

/**
 * What webhooks need from the job queue and the outbox: the queue (deliveries, manual retries),
 * the outbox writer (webhook.disabled in the disabling transaction) and the stored events
 * (a delivery reads the event it sends; link.clicked batches are recorded there). root.ts
 * then subscribes `subscriber` to the dispatcher and defines `jobs` on the worker.
 */
export interface WebhookDeps {
  jobs: JobQueue;
  events: EventStore;
  outbox: OutboxWriter;
}

export interface WebhookWiringOptions {
  /** Tests: a fake queue or event store instead of the SQL ones. */
  jobs?: JobQueue;
  events?: EventStore;
  /** Tests: a short timeout, a fake DNS. */
  sender?: SenderOptions;
  resolver?: Resolver;
  disableAfterMs?: number;
  onError?: (error: unknown) => void;
  /** Metrics: each delivery attempt's outcome (delivered, failed, gone). */
  onOutcome?: (outcome: 'delivered' | 'failed' | 'gone') => void;
}

export interface Webhooks {
  service: WebhookService;
  repository: SqlWebhookRepository;
  /** Register with the outbox dispatcher. */
  subscriber: EventSubscriber;
  deliverer: WebhookDeliverer;
  /** Register with the worker (roles all/worker). */
  jobs: JobDefinition[];
  /** ClickIngest listener recording batched link.clicked events. */
  clicks: ClickWebhooks;
}

export function buildWebhooks(config: Config, db: Db, deps: WebhookDeps, options: WebhookWiringOptions = {}): Webhooks {
  const jobs = options.jobs ?? deps.jobs;
  const events = options.events ?? deps.events;
  const repository = new SqlWebhookRepository(db, deps.outbox);
  const guard = new DestinationGuard(new AddressPolicy(config.webhookAllowPrivate), options.resolver);
  const sender = new HttpWebhookSender(guard, options.sender);
  const deliverer = new WebhookDeliverer(repository, events, sender, {
    ...(config.webhookRetrySchedule ? { schedule: config.webhookRetrySchedule } : {}),
    ...(options.disableAfterMs !== undefined ? { disableAfterMs: options.disableAfterMs } : {}),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  });
  const clicks = new ClickWebhooks(repository, repository, events, { onError: options.onError });
  const service = new WebhookService(repository, guard, deliverer, jobs, () => clicks.invalidate());
  return { service, repository, subscriber: new WebhookSubscriber(repository), deliverer, jobs: [deliverer.definition()], clicks };
}
