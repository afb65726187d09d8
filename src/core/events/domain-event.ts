import type { JobRequest } from '../jobs/ports.js';

/** SPEC §5 event types. */
export const EVENT_TYPES = ['link.created', 'link.updated', 'link.deleted', 'link.expired', 'link.clicked', 'webhook.disabled'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * A workspace event as the outbox stores it: written in the transaction of the change that
 * causes it, with an id that stays the same through every retry of every delivery.
 * On the wire (webhooks) it is the envelope `{ type, timestamp, data }` plus `webhook-id: id`.
 */
export interface DomainEvent {
  id: string;
  type: EventType;
  workspaceId: string;
  timestamp: Date;
  data: Record<string, unknown>;
  /** What webhook link/tag filters match on; null/empty when the event is not about one link. */
  linkId: string | null;
  tags: readonly string[];
}

/**
 * Reacts to stored events by planning jobs (webhook deliveries, notifications). The outbox
 * dispatcher enqueues every subscriber's jobs for an event in one transaction with marking
 * the event dispatched, so each event is planned once and nothing planned is lost.
 */
export interface EventSubscriber {
  readonly name: string;
  plan(event: DomainEvent): Promise<JobRequest[]>;
}
