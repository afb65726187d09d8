import type { ClickEvent } from '../analytics/click.js';

/**
 * A workspace event as the live feed (GET /events) carries it: a SPEC §5 type, its stable id,
 * its time and its payload. Only clicks so far; link.* events join this union with the outbox.
 */
export type LiveEvent = LinkClicked;

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
