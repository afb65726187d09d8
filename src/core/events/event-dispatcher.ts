import type { JobDefinition, JobRequest } from '../jobs/ports.js';
import type { DomainEvent, EventSubscriber } from './domain-event.js';
import { isLinkChangeType, type LiveEvent } from './live-event.js';
import type { EventFeed } from './ports.js';

/** The job that hands stored events to the subscribers; payload `{ eventIds: string[] }`. */
export const DISPATCH_JOB = 'events.dispatch';

export interface PlannedEvent { event: DomainEvent; jobs: JobRequest[] }

/** The outbox as the dispatcher needs it. */
export interface OutboxStore {
  /** The events among `ids` not dispatched yet. */
  undispatched(ids: readonly string[]): Promise<DomainEvent[]>;
  /**
   * In one transaction: marks each event dispatched unless it already is, and enqueues the
   * jobs of those it marked. Answers the events this call marked.
   */
  markDispatched(planned: readonly PlannedEvent[]): Promise<DomainEvent[]>;
}

/**
 * Fans stored events out: every subscriber plans its jobs for an event (webhook deliveries,
 * notifications), and the jobs are enqueued with marking the event dispatched, so each event
 * is planned once however often its dispatch job runs. link.* events then go to the live feed.
 */
export class EventDispatcher {
  private readonly subscribers: EventSubscriber[] = [];

  constructor(private readonly store: OutboxStore, private readonly feed: EventFeed | null) {}

  subscribe(subscriber: EventSubscriber): void {
    if (this.subscribers.some((s) => s.name === subscriber.name)) throw new Error(`event subscriber "${subscriber.name}" is already registered`);
    this.subscribers.push(subscriber);
  }

  /** Dispatches the events among `ids` that are not yet; answers how many this call dispatched. */
  async dispatch(ids: readonly string[]): Promise<number> {
    const events = await this.store.undispatched(ids);
    if (events.length === 0) return 0;
    const planned: PlannedEvent[] = [];
    for (const event of events) {
      const jobs = (await Promise.all(this.subscribers.map((s) => s.plan(event)))).flat();
      planned.push({ event, jobs });
    }
    const dispatched = await this.store.markDispatched(planned);
    const live = dispatched.flatMap((e): LiveEvent[] => (isLinkChangeType(e.type)
      ? [{ type: e.type, id: e.id, workspaceId: e.workspaceId, timestamp: e.timestamp, data: e.data }] : []));
    if (live.length > 0) this.feed?.publish(live);
    return dispatched.length;
  }

  definition(): JobDefinition {
    return {
      name: DISPATCH_JOB,
      maxAttempts: 10,
      handler: async (job) => {
        const ids = Array.isArray(job.payload.eventIds) ? job.payload.eventIds.filter((id): id is string => typeof id === 'string') : [];
        await this.dispatch(ids);
      },
    };
  }
}
