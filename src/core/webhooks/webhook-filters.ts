import type { DomainEvent } from '../events/domain-event.js';
import type { Webhook } from './webhook.js';

/** One click as a link.clicked event carries it (JSON), with its link's tags for tag filters. */
export interface ClickPayload {
  id: string;
  linkId: string;
  tags?: readonly string[];
  [field: string]: unknown;
}

const intersects = (filter: readonly string[], values: readonly string[]) => values.some((v) => filter.includes(v));

function passes(webhook: Webhook, linkId: string | null, tags: readonly string[]): boolean {
  if (webhook.linkIds.length > 0 && (linkId === null || !webhook.linkIds.includes(linkId))) return false;
  if (webhook.tags.length > 0 && !intersects(webhook.tags, tags)) return false;
  return true;
}

/** The clicks of a link.clicked event that pass the webhook's link and tag filters. */
export function clicksFor(webhook: Webhook, event: DomainEvent): ClickPayload[] {
  const clicks = Array.isArray(event.data.clicks) ? (event.data.clicks as ClickPayload[]) : [];
  if (webhook.linkIds.length === 0 && webhook.tags.length === 0) return clicks;
  return clicks.filter((c) => passes(webhook, c.linkId, c.tags ?? []));
}

/**
 * Whether the webhook wants the event: its type, then link and tag filters (both must hold
 * when both are set). A link.clicked event covers many links; it matches when any click does.
 */
export function wants(webhook: Webhook, event: DomainEvent): boolean {
  if (!webhook.enabled || !webhook.events.includes(event.type)) return false;
  if (event.type === 'link.clicked') return clicksFor(webhook, event).length > 0;
  return passes(webhook, event.linkId, event.tags);
}

/** The JSON body one webhook receives for an event: the SPEC §5 envelope; clicks narrowed to its filters. */
export function envelopeFor(webhook: Webhook, event: DomainEvent): string {
  const data = event.type === 'link.clicked' ? { ...event.data, clicks: clicksFor(webhook, event) } : event.data;
  return JSON.stringify({ type: event.type, timestamp: event.timestamp.toISOString(), data });
}
