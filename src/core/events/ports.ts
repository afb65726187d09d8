import type { LiveEvent } from './live-event.js';

export type LiveEventListener = (event: LiveEvent) => void;
export type Unsubscribe = () => void;

/**
 * Live events per workspace, fanned out to whoever listens at that moment: no history, best
 * effort (durable delivery is the outbox's job). In-process, or across instances via Redis.
 */
export interface EventFeed {
  /** Never throws and never waits: called right after a committed change. */
  publish(events: readonly LiveEvent[]): void;
  /**
   * The listener hears the workspace's events and no other's. Resolves once events published
   * from then on (on any instance) will reach it; the returned function stops them.
   */
  subscribe(workspaceId: string, listener: LiveEventListener): Promise<Unsubscribe>;
}
