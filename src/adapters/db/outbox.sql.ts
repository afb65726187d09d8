import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import type { DomainEvent, EventType } from '../../core/events/domain-event.js';
import { DISPATCH_JOB, type OutboxStore, type PlannedEvent } from '../../core/events/event-dispatcher.js';
import type { JobRequest } from '../../core/jobs/ports.js';
import type { Db } from './database.js';
import { enqueueIn } from './job-queue.sql.js';
import type { EventsTable } from './schema.js';
import { DAY_MS } from '../../core/time-units.js';

/** Events per events.dispatch job: a bulk create of 1,000 links makes 10 jobs, not 1,000. */
const EVENTS_PER_DISPATCH = 100;

/**
 * Writes events to the outbox with any executor, normally the Transaction of the change that
 * causes them: the rows and the events.dispatch jobs that hand them to the subscribers commit
 * or roll back with the change.
 */
export async function recordEvents(executor: Db, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  await executor.insertInto('events').values(events.map((e) => ({
    id: e.id, workspace_id: e.workspaceId, type: e.type, link_id: e.linkId, tags: [...e.tags],
    data: JSON.stringify(e.data), created_at: e.timestamp,
  }))).execute();
  const byWorkspace = new Map<string, string[]>();
  for (const e of events) {
    const ids = byWorkspace.get(e.workspaceId) ?? [];
    if (ids.length === 0) byWorkspace.set(e.workspaceId, ids);
    ids.push(e.id);
  }
  const jobs: JobRequest[] = [];
  for (const [workspaceId, ids] of byWorkspace) {
    for (let i = 0; i < ids.length; i += EVENTS_PER_DISPATCH) {
      jobs.push({ name: DISPATCH_JOB, payload: { eventIds: ids.slice(i, i + EVENTS_PER_DISPATCH) }, workspaceId });
    }
  }
  await enqueueIn(executor, jobs);
}

export class SqlOutbox implements OutboxStore {
  constructor(private readonly db: Db) {}

  /** One stored event whatever its dispatch state (a webhook delivery reads the event it sends). */
  async find(id: string): Promise<DomainEvent | null> {
    const row = await this.db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEvent(row) : null;
  }

  /** Records events outside any other change (e.g. a batch of clicks' link.clicked), for dispatch. */
  record(events: readonly DomainEvent[]): Promise<void> {
    return recordEvents(this.db, events);
  }

  async undispatched(ids: readonly string[]): Promise<DomainEvent[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('events').selectAll().where('id', 'in', [...ids]).where('dispatched_at', 'is', null).orderBy('id').execute();
    return rows.map(toEvent);
  }

  async markDispatched(planned: readonly PlannedEvent[]): Promise<DomainEvent[]> {
    if (planned.length === 0) return [];
    return this.db.transaction().execute(async (tx) => {
      const marked = await tx.updateTable('events').set({ dispatched_at: sql`now()` })
        .where('id', 'in', planned.map((p) => p.event.id)).where('dispatched_at', 'is', null).returning('id').execute();
      const ids = new Set(marked.map((r) => r.id));
      const mine = planned.filter((p) => ids.has(p.event.id));
      await enqueueIn(tx, mine.flatMap((p) => p.jobs));
      return mine.map((p) => p.event);
    });
  }

  /** Deletes dispatched events older than `days` (webhook retries end after 5 days), in bounded batches. */
  async prune(now = Date.now(), days = 30, batch = 5000): Promise<number> {
    const before = new Date(now - days * DAY_MS);
    let removed = 0;
    for (let n = batch; n === batch;) {
      const result = await sql`delete from events where id in (
        select id from events where created_at < ${before} and dispatched_at is not null limit ${batch})`.execute(this.db);
      n = Number(result.numAffectedRows ?? 0);
      removed += n;
    }
    return removed;
  }
}

function toEvent(r: Selectable<EventsTable>): DomainEvent {
  return { id: r.id, type: r.type as EventType, workspaceId: r.workspace_id, timestamp: r.created_at, data: r.data, linkId: r.link_id, tags: r.tags };
}
