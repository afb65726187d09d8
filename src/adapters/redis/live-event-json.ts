import type { ClickEvent } from '../../core/analytics/click.js';
import { isLinkChangeType, type LiveEvent } from '../../core/events/live-event.js';

/** What one pub/sub message carries: the publishing instance, and one workspace's events. */
export interface FeedMessage {
  origin: string;
  events: LiveEvent[];
}

export function encodeFeedMessage(message: FeedMessage): string {
  return JSON.stringify(message); // Dates become ISO strings; decode turns them back
}

/** null for anything this version did not write (a newer instance's event type, garbage). */
export function decodeFeedMessage(text: string): FeedMessage | null {
  let parsed: unknown;
  try { parsed = JSON.parse(text); } catch { return null; }
  if (!isRecord(parsed) || typeof parsed.origin !== 'string' || !Array.isArray(parsed.events)) return null;
  const events: LiveEvent[] = [];
  for (const raw of parsed.events as unknown[]) {
    const event = decodeEvent(raw);
    if (event) events.push(event);
  }
  return { origin: parsed.origin, events };
}

function decodeEvent(raw: unknown): LiveEvent | null {
  if (!isRecord(raw) || typeof raw.type !== 'string' || typeof raw.id !== 'string' || typeof raw.workspaceId !== 'string') return null;
  if (isLinkChangeType(raw.type)) {
    if (!isRecord(raw.data) || typeof raw.timestamp !== 'string') return null;
    return { type: raw.type, id: raw.id, workspaceId: raw.workspaceId, timestamp: new Date(raw.timestamp), data: raw.data };
  }
  if (raw.type !== 'link.clicked') return null;
  if (!isRecord(raw.data) || typeof raw.timestamp !== 'string' || typeof raw.data.at !== 'string') return null;
  const data = { ...(raw.data as unknown as ClickEvent), at: new Date(raw.data.at) };
  return { type: 'link.clicked', id: raw.id, workspaceId: raw.workspaceId, timestamp: new Date(raw.timestamp), data };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
