import type { LiveEvent } from '../../core/events/live-event.js';
import type { EventFeed, LiveEventListener, Unsubscribe } from '../../core/events/ports.js';

/**
 * The in-process feed: listeners by workspace, so a publish touches only the listeners of the
 * events' own workspaces. Used alone without Redis, and by the Redis feed for local fan-out.
 */
export class MemoryEventFeed implements EventFeed {
  private readonly listeners = new Map<string, Set<LiveEventListener>>();

  publish(events: readonly LiveEvent[]): void {
    for (const event of events) {
      const listeners = this.listeners.get(event.workspaceId);
      if (!listeners) continue;
      for (const listener of listeners) {
        try { listener(event); } catch { /* one failing listener must not starve the others or the publisher */ }
      }
    }
  }

  async subscribe(workspaceId: string, listener: LiveEventListener): Promise<Unsubscribe> {
    return this.add(workspaceId, listener);
  }

  /** Synchronous subscribe, for feeds built on this one. */
  add(workspaceId: string, listener: LiveEventListener): Unsubscribe {
    let listeners = this.listeners.get(workspaceId);
    if (!listeners) this.listeners.set(workspaceId, listeners = new Set());
    // A wrapper per subscription, so the same function subscribed twice is two subscriptions.
    const entry: LiveEventListener = (event) => listener(event);
    listeners.add(entry);
    return () => {
      listeners.delete(entry);
      if (listeners.size === 0 && this.listeners.get(workspaceId) === listeners) this.listeners.delete(workspaceId);
    };
  }

  /** Listeners of a workspace right now (tests and metrics). */
  listenerCount(workspaceId?: string): number {
    if (workspaceId !== undefined) return this.listeners.get(workspaceId)?.size ?? 0;
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }
}
