import type { DomainEvent, EventSubscriber } from '../events/domain-event.js';
import type { JobRequest } from '../jobs/ports.js';
import { WEBHOOK_DELIVER } from './webhook-delivery.js';
import { wants } from './webhook-filters.js';
import type { WebhookRepository } from './webhook.js';

/** The singleton key of an event's automatic delivery to a webhook: replanning never doubles it. */
export const deliveryKey = (webhookId: string, eventId: string) => `webhook:${webhookId}:${eventId}`;

/** Plans one `webhook.deliver` job per enabled webhook of the event's workspace that wants it. */
export class WebhookSubscriber implements EventSubscriber {
  readonly name = 'webhooks';

  constructor(private readonly webhooks: WebhookRepository) {}

  async plan(event: DomainEvent): Promise<JobRequest[]> {
    const candidates = await this.webhooks.subscribed(event.workspaceId, event.type);
    return candidates.filter((w) => wants(w, event)).map((w) => ({
      name: WEBHOOK_DELIVER,
      payload: { webhookId: w.id, eventId: event.id },
      workspaceId: event.workspaceId,
      singletonKey: deliveryKey(w.id, event.id),
    }));
  }
}
