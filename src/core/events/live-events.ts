import { requireScope, type Actor } from '../auth/actor.js';
import type { EventFeed, LiveEventListener, Unsubscribe } from './ports.js';

/** GET /events: an actor follows its own workspace's events, with the analytics:read scope. */
export class LiveEvents {
  constructor(private readonly feed: EventFeed) {}

  async follow(actor: Actor, listener: LiveEventListener): Promise<Unsubscribe> {
    requireScope(actor, 'analytics:read');
    return this.feed.subscribe(actor.workspaceId, listener);
  }
}
