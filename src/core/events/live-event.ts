import type { ClickEvent } from '../analytics/click.js';

/**
 * A workspace event as the live feed (GET /events) carries it: a SPEC §5 type, its stable id,
 * its time and its payload. Clicks come from ingest; link changes from the outbox dispatcher.
 */
export type LiveEvent = LinkClicked | LinkChanged;

export const LINK_CHANGE_TYPES = ['link.created', 'link.updated', 'link.deleted', 'link.expired'] as const;
export type LinkChangeType = (typeof LINK_CHANGE_TYPES)[number];

export interface LinkChanged {
  type: LinkChangeType;
  /** The outbox event's id (the same as webhook-id). */
  id: string;
  workspaceId: string;
  timestamp: Date;
  /** The link as the API presents it. */
  data: Record<string, unknown>;
}

export function isLinkChangeType(type: string): type is LinkChangeType {
  return (LINK_CHANGE_TYPES as readonly string[]).includes(type);
}

export interface LinkClicked {
  type: 'link.clicked';
  /** The click's id, so a client can tell a replay from a new click. */
  id: string;
  workspaceId: string;
  timestamp: Date;
  data: ClickEvent;
}

export function linkClicked(click: ClickEvent): LinkClicked {
  return { type: 'link.clicked', id: click.id, workspaceId: click.workspaceId, timestamp: click.at, data: click };
}
