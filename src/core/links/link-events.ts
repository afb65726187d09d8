import type { DomainEvent } from '../events/domain-event.js';
import { newId } from '../ids.js';
import type { Link } from './link.js';
import { linkView } from './link-view.js';

export type LinkEventType = 'link.created' | 'link.updated' | 'link.deleted' | 'link.expired';

/**
 * Builds the outbox events of link changes: data is the link as the API presents it (no
 * password hash), so a webhook receiver gets what GET /links/{id} would have answered.
 */
export class LinkEvents {
  constructor(private readonly baseUrl: URL, private readonly now: () => Date = () => new Date()) {}

  event(type: LinkEventType, link: Link): DomainEvent {
    const timestamp = this.now();
    return {
      id: newId('evt', timestamp.getTime()), type, workspaceId: link.workspaceId, timestamp,
      data: linkView(link, this.baseUrl), linkId: link.id, tags: [...link.tags],
    };
  }
}
