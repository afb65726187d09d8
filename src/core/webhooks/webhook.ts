import type { DomainEvent, EventType } from '../events/domain-event.js';

/** A workspace's endpoint for events (SPEC §4/§5). */
export interface Webhook {
  id: string;
  workspaceId: string;
  url: string;
  /** Non-empty subset of EVENT_TYPES. */
  events: EventType[];
  /** When non-empty, only events about these links. */
  linkIds: string[];
  /** When non-empty, only events about links with one of these tags. */
  tags: string[];
  enabled: boolean;
  /** Why Curt disabled it (410, 5 days of failures); null when enabled or disabled by a user. */
  disabledReason: string | null;
  /** `whsec_` + base64; signs every delivery. Never shown after create/rotate. */
  secret: string;
  /** The secret before the last rotation, still signing (alongside) until previousSecretExpiresAt. */
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  /** First failed delivery since the last success; null while healthy. */
  failingSince: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DeliveryStatus = 'delivered' | 'failed';

/** One attempt to deliver one event to one webhook: the delivery log. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  workspaceId: string;
  eventId: string;
  /** An EventType, or 'webhook.test' for a ping. */
  eventType: string;
  /** 1 for the first attempt of this event at this webhook; manual retries continue the count. */
  attempt: number;
  status: DeliveryStatus;
  responseStatus: number | null;
  durationMs: number;
  /** The first KiB of the response body. */
  responseExcerpt: string | null;
  /** Network error, timeout, refused destination, or why a status counts as a failure. */
  error: string | null;
  /** When the next automatic attempt is due; null when none is planned. */
  nextAttemptAt: Date | null;
  createdAt: Date;
}

export interface WebhookChanges {
  url?: string;
  events?: EventType[];
  linkIds?: string[];
  tags?: string[];
  enabled?: boolean;
}

export interface WebhookRepository {
  list(workspaceId: string, after: { createdAt: Date; id: string } | null, limit: number): Promise<Webhook[]>;
  count(workspaceId: string): Promise<number>;
  get(workspaceId: string, id: string): Promise<Webhook | null>;
  /** Any workspace's webhook: the delivery job knows only the id. */
  byId(id: string): Promise<Webhook | null>;
  insert(webhook: Webhook): Promise<void>;
  /** Enabling again clears disabledReason and failingSince. */
  update(workspaceId: string, id: string, changes: WebhookChanges, now: Date): Promise<Webhook | null>;
  rotateSecret(workspaceId: string, id: string, secret: string, previousExpiresAt: Date, now: Date): Promise<Webhook | null>;
  delete(workspaceId: string, id: string): Promise<boolean>;
  /** Enabled webhooks of the workspace subscribed to the event type (filters applied by the caller). */
  subscribed(workspaceId: string, type: EventType): Promise<Webhook[]>;
  /** Workspaces with at least one enabled webhook subscribed to the type. */
  workspacesSubscribed(type: EventType): Promise<string[]>;

  /**
   * Logs an attempt and returns its number. attempt 0 asks the store to number it: one more
   * than the highest logged for this event at this webhook, in the same statement.
   */
  appendDelivery(delivery: WebhookDelivery): Promise<number>;
  deliveries(workspaceId: string, webhookId: string, after: { createdAt: Date; id: string } | null, limit: number): Promise<WebhookDelivery[]>;
  delivery(workspaceId: string, webhookId: string, deliveryId: string): Promise<WebhookDelivery | null>;

  /** A success: failingSince back to null. */
  markHealthy(id: string): Promise<void>;
  /** A failure: failingSince set if unset; returns the (possibly earlier) failingSince. */
  markFailing(id: string, at: Date): Promise<Date>;
  /**
   * Disables an enabled webhook with a reason and records `event` (webhook.disabled) in the
   * outbox in the same transaction. false when it was already disabled or gone (no event).
   */
  disable(id: string, reason: string, event: DomainEvent): Promise<boolean>;
}

/** Tags of links, for link.clicked filters (clicks do not carry them). */
export interface LinkTags {
  tagsOf(workspaceId: string, linkIds: readonly string[]): Promise<Map<string, string[]>>;
}

/** The outbox, as far as webhooks need it (the `events` table). */
export interface EventStore {
  find(id: string): Promise<DomainEvent | null>;
  /** Records events for dispatch (each subscriber plans its jobs once). */
  record(events: readonly DomainEvent[]): Promise<void>;
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
}

export type SendResult =
  | { kind: 'response'; status: number; durationMs: number; bodyExcerpt: string; retryAfterMs: number | null }
  | { kind: 'error'; error: string; durationMs: number };

/** POSTs a signed delivery: SSRF-checked at connect time, no redirects followed, bounded time and body. */
export interface WebhookSender {
  send(request: SendRequest): Promise<SendResult>;
}

/** Why a URL is no acceptable destination (private address, does not resolve), or null. */
export interface DestinationCheck {
  urlProblem(url: URL): Promise<string | null>;
}
