import type { DomainEvent, EventSubscriber } from '../events/domain-event.js';
import type { JobDefinition, JobPayload, JobRequest } from '../jobs/ports.js';
import type { RecipientDirectory } from './notification.js';
import type { NotificationService } from './notification-service.js';

export const FANOUT_JOB = 'notification.fanout';

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * Turns `webhook.disabled` and `link.expired` events into notifications. Planning only
 * enqueues a `notification.fanout` job (the dispatcher's transaction stays short and free of
 * side effects); the job resolves the recipients and notifies them, keyed by the event id so
 * a replay notifies nobody twice.
 *
 * Recipients: `webhook.disabled` → the workspace's owners and admins. `link.expired` → the
 * link's creator while still a member; when unknown (deleted user, imported link), the owners
 * and admins instead, so an expiry is never announced to nobody, nor to every admin each time.
 */
export class NotificationSubscriber implements EventSubscriber {
  readonly name = 'notifications';

  constructor(private readonly notifications: NotificationService, private readonly directory: RecipientDirectory) {}

  async plan(event: DomainEvent): Promise<JobRequest[]> {
    if (event.type !== 'webhook.disabled' && event.type !== 'link.expired') return [];
    const payload: JobPayload = { eventId: event.id, type: event.type, workspaceId: event.workspaceId, linkId: event.linkId, data: event.data };
    return [{ name: FANOUT_JOB, payload, workspaceId: event.workspaceId, singletonKey: `${FANOUT_JOB}:${event.id}` }];
  }

  definition(): JobDefinition {
    return { name: FANOUT_JOB, maxAttempts: 8, handler: (job) => this.fanout(job.payload) };
  }

  async fanout(payload: JobPayload): Promise<void> {
    const workspaceId = text(payload.workspaceId);
    const eventId = text(payload.eventId);
    const data = (payload.data ?? {}) as Record<string, unknown>;
    if (!workspaceId || !eventId) return;
    const dedupeKey = `event:${eventId}`;
    if (payload.type === 'webhook.disabled') {
      await this.notifications.notify(await this.directory.admins(workspaceId), {
        type: 'webhook.disabled', workspaceId, dedupeKey,
        data: { webhookId: text(data.webhookId) ?? text(data.id) ?? '', url: text(data.url) ?? '(unknown URL)', reason: text(data.disabledReason) ?? text(data.reason) },
      });
    } else if (payload.type === 'link.expired') {
      const linkId = text(payload.linkId) ?? text(data.id) ?? '';
      const creator = linkId ? await this.directory.linkCreator(linkId) : null;
      const member = creator ? (await this.directory.members(workspaceId, [creator])).length > 0 : false;
      await this.notifications.notify(member ? [creator!] : await this.directory.admins(workspaceId), {
        type: 'link.expired', workspaceId, dedupeKey,
        data: { linkId, shortUrl: text(data.shortUrl) ?? linkId, url: text(data.url) ?? '', reason: text(data.reason) },
      });
    }
  }
}
