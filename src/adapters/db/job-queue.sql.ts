import { sql, type Selectable, type UpdateObject } from 'kysely';
import { newId } from '../../core/ids.js';
import {
  DEPTH_COUNT_LIMIT, type ClaimPolicy, type ClaimedJob, type JobAdminStore, type JobDepth, type JobListQuery, type JobRecord, type JobStore,
} from '../../core/jobs/job-store.js';
import type { JobRequest } from '../../core/jobs/ports.js';
import type { Db } from './database.js';
import type { Database, JobsTable } from './schema.js';
import { DAY_MS } from '../../core/time-units.js';

const RECORD_COLUMNS = ['id', 'name', 'state', 'workspace_id', 'attempt', 'max_attempts', 'run_at', 'last_error', 'created_at', 'updated_at'] as const;

/**
 * Enqueues jobs with any executor: the database, or the Transaction of the change that causes
 * them (then a rollback enqueues nothing). Ids in request order; a request whose singletonKey
 * is held by a queued or running job enqueues nothing and answers that job's id.
 */
export async function enqueueIn(executor: Db, requests: readonly JobRequest[]): Promise<string[]> {
  if (requests.length === 0) return [];
  const ids = requests.map(() => newId('job'));
  const inserted = await executor.insertInto('jobs').values(requests.map((r, i) => ({
    id: ids[i]!, name: r.name, payload: JSON.stringify(r.payload), workspace_id: r.workspaceId, state: 'queued' as const,
    singleton_key: r.singletonKey ?? null, ...(r.runAt ? { run_at: r.runAt } : {}),
  }))).onConflict((oc) => oc.column('singleton_key').where(sql<boolean>`singleton_key is not null and state in ('queued', 'running')`).doNothing())
    .returning('id').execute();
  if (inserted.length === requests.length) return ids;
  const done = new Set(inserted.map((r) => r.id));
  const keys = requests.filter((r, i) => !done.has(ids[i]!) && r.singletonKey).map((r) => r.singletonKey!);
  const holders = keys.length === 0 ? [] : await executor.selectFrom('jobs').select(['id', 'singleton_key'])
    .where('singleton_key', 'in', keys).where('state', 'in', ['queued', 'running']).execute();
  const byKey = new Map(holders.map((h) => [h.singleton_key, h.id]));
  return requests.map((r, i) => (done.has(ids[i]!) ? ids[i]! : byKey.get(r.singletonKey ?? null) ?? ids[i]!));
}

export interface SqlJobQueueOptions {
  /** Expired leases are looked for at most this often per instance (default 1 s). */
  leaseCheckMs?: number;
  /** Told after every stand-alone enqueue (the in-process worker polls at once). */
  onEnqueued?: () => void;
}

/** The job queue on PGlite or PostgreSQL: claims with FOR UPDATE SKIP LOCKED under a lease. */
export class SqlJobQueue implements JobStore, JobAdminStore {
  private lastLeaseCheck = 0;
  private readonly completions: Array<{ job: ClaimedJob; resolve: () => void; reject: (error: unknown) => void }> = [];
  private completing: Promise<void> | null = null;

  constructor(private readonly db: Db, private readonly options: SqlJobQueueOptions = {}) {}

  async enqueue(requests: readonly JobRequest[]): Promise<string[]> {
    const ids = await enqueueIn(this.db, requests);
    if (ids.length > 0) this.options.onEnqueued?.();
    return ids;
  }

  async claim(workerId: string, limit: number, policies: ReadonlyMap<string, ClaimPolicy>): Promise<ClaimedJob[]> {
    if (Date.now() - this.lastLeaseCheck >= (this.options.leaseCheckMs ?? 1000)) {
      this.lastLeaseCheck = Date.now();
      await this.expireLeases();
    }
    if (policies.size === 0) return [];
    const names = [...policies.keys()];
    const policy = JSON.stringify(Object.fromEntries(policies));
    const rows = await sql<{ id: string; name: string; payload: Record<string, unknown>; workspace_id: string | null; attempt: number; max_attempts: number }>`
      with due as (
        select id from jobs where state = 'queued' and run_at <= now() and name = any(${names}::text[])
        order by run_at limit ${limit} for update skip locked
      )
      update jobs j set state = 'running', attempt = j.attempt + 1, locked_by = ${workerId}, updated_at = now(),
        max_attempts = coalesce(j.max_attempts, (${policy}::jsonb -> j.name ->> 'maxAttempts')::int),
        locked_until = now() + (${policy}::jsonb -> j.name ->> 'leaseMs')::int * interval '1 millisecond'
      from due where j.id = due.id
      returning j.id, j.name, j.payload, j.workspace_id, j.attempt, j.max_attempts`.execute(this.db);
    return rows.rows.map((r) => ({
      id: r.id, name: r.name, payload: r.payload, workspaceId: r.workspace_id, attempt: r.attempt, maxAttempts: r.max_attempts,
      lockedBy: workerId, leaseMs: policies.get(r.name)!.leaseMs,
    }));
  }

  /** Running jobs past their lease (their worker died or stalled) go back to queued, or dead when out of attempts. */
  async expireLeases(): Promise<number> {
    const result = await sql`
      update jobs set
        state = case when attempt >= coalesce(max_attempts, 1) then 'dead' else 'queued' end,
        finished_at = case when attempt >= coalesce(max_attempts, 1) then now() end,
        last_error = 'attempt ' || attempt || ' did not finish within its lease (worker ' || coalesce(locked_by, '?') || ' crashed or stalled)',
        run_at = now(), locked_until = null, locked_by = null, updated_at = now()
      where id in (select id from jobs where state = 'running' and locked_until < now() limit 1000 for update skip locked)`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  /**
   * Completions are written in batches: while one UPDATE (and its commit) is in flight, the
   * jobs finishing meanwhile wait and go together in the next, so a busy worker pays one
   * commit per batch instead of one per job.
   */
  complete(job: ClaimedJob): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.completions.push({ job, resolve, reject });
      if (!this.completing) this.completing = this.flushCompletions();
    });
  }

  private async flushCompletions(): Promise<void> {
    while (this.completions.length > 0) {
      const batch = this.completions.splice(0, 500);
      try {
        const ids = batch.map((c) => c.job.id);
        const attempts = batch.map((c) => c.job.attempt);
        const workers = batch.map((c) => c.job.lockedBy);
        await sql`update jobs j set state = 'succeeded', finished_at = now(), updated_at = now(), locked_until = null
          from unnest(${ids}::text[], ${attempts}::int[], ${workers}::text[]) as run(id, attempt, locked_by)
          where j.id = run.id and j.attempt = run.attempt and j.locked_by = run.locked_by and j.state = 'running'`.execute(this.db);
        for (const c of batch) c.resolve();
      } catch (error) {
        for (const c of batch) c.reject(error);
      }
    }
    this.completing = null;
  }

  async retryLater(job: ClaimedJob, delayMs: number, error: string): Promise<void> {
    await this.endRun(job, {
      state: 'queued', run_at: sql`now() + ${Math.round(delayMs)}::int * interval '1 millisecond'`, last_error: error,
      locked_until: null, locked_by: null, updated_at: sql`now()`,
    });
  }

  async bury(job: ClaimedJob, error: string): Promise<void> {
    await this.endRun(job, { state: 'dead', last_error: error, finished_at: sql`now()`, locked_until: null, updated_at: sql`now()` });
  }

  async enqueueTick(schedule: string, tick: Date, request: JobRequest): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      const moved = await tx.insertInto('job_schedules').values({ name: schedule, last_tick: tick })
        .onConflict((oc) => oc.column('name').doUpdateSet({ last_tick: tick, updated_at: sql`now()` }).where('job_schedules.last_tick', '<', tick))
        .returning('name').executeTakeFirst();
      if (!moved) return false;
      await enqueueIn(tx, [request]);
      return true;
    });
  }

  async get(workspaceId: string, id: string): Promise<JobRecord | null> {
    const row = await this.db.selectFrom('jobs').select(RECORD_COLUMNS).where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  async list(q: JobListQuery): Promise<JobRecord[]> {
    let query = this.db.selectFrom('jobs').select(RECORD_COLUMNS).where('workspace_id', '=', q.workspaceId);
    if (q.state) query = query.where('state', '=', q.state);
    if (q.after) {
      const { createdAt, id } = q.after;
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
    }
    const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map(toRecord);
  }

  /** Three index-only counts, each stopping at DEPTH_COUNT_LIMIT rows. */
  async depth(workspaceId: string): Promise<JobDepth> {
    const count = (state: string) => sql<number>`(select count(*) from (select 1 from jobs where workspace_id = ${workspaceId} and state = ${state} limit ${DEPTH_COUNT_LIMIT}) c)`;
    const row = (await sql<JobDepth>`select ${count('queued')} as queued, ${count('running')} as running, ${count('dead')} as dead`.execute(this.db)).rows[0]!;
    return { queued: Number(row.queued), running: Number(row.running), dead: Number(row.dead) };
  }

  /** Metrics: the same bounded counts over every workspace (each state's partial index). */
  async systemDepth(): Promise<JobDepth> {
    const count = (state: string) => sql<number>`(select count(*) from (select 1 from jobs where state = ${state} limit ${DEPTH_COUNT_LIMIT}) c)`;
    const row = (await sql<JobDepth>`select ${count('queued')} as queued, ${count('running')} as running, ${count('dead')} as dead`.execute(this.db)).rows[0]!;
    return { queued: Number(row.queued), running: Number(row.running), dead: Number(row.dead) };
  }

  async retryDead(workspaceId: string, id: string): Promise<'ok' | 'missing' | 'not-dead'> {
    const result = await this.db.updateTable('jobs').set({
      state: 'queued', attempt: 0, run_at: sql`now()`, finished_at: null, locked_by: null, locked_until: null, updated_at: sql`now()`,
    }).where('workspace_id', '=', workspaceId).where('id', '=', id).where('state', '=', 'dead').executeTakeFirst();
    if (Number(result.numUpdatedRows) > 0) {
      this.options.onEnqueued?.();
      return 'ok';
    }
    const exists = await this.db.selectFrom('jobs').select('id').where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst();
    return exists ? 'not-dead' : 'missing';
  }

  /** Deletes succeeded jobs finished more than succeededDays ago and dead ones after deadDays, in bounded batches. */
  async prune(now = Date.now(), succeededDays = 7, deadDays = 30, batch = 5000): Promise<number> {
    let removed = 0;
    for (const [state, days] of [['succeeded', succeededDays], ['dead', deadDays]] as const) {
      const before = new Date(now - days * DAY_MS);
      for (let n = batch; n === batch;) {
        const result = await sql`delete from jobs where id in (
          select id from jobs where state in ('succeeded', 'dead') and state = ${state} and finished_at < ${before} limit ${batch})`.execute(this.db);
        n = Number(result.numAffectedRows ?? 0);
        removed += n;
      }
    }
    return removed;
  }

  /** Records the outcome of one run: if the job was claimed again since (lease expired), the newer run wins. */
  private async endRun(job: ClaimedJob, changes: UpdateObject<Database, 'jobs'>): Promise<void> {
    await this.db.updateTable('jobs').set(changes).where('id', '=', job.id).where('state', '=', 'running')
      .where('locked_by', '=', job.lockedBy).where('attempt', '=', job.attempt).execute();
  }
}

function toRecord(r: Pick<Selectable<JobsTable>, 'id' | 'name' | 'state' | 'workspace_id' | 'attempt' | 'max_attempts' | 'run_at' | 'last_error' | 'created_at' | 'updated_at'>): JobRecord {
  return {
    id: r.id, name: r.name, state: r.state, workspaceId: r.workspace_id, attempt: r.attempt, maxAttempts: r.max_attempts,
    runAt: r.run_at, lastError: r.last_error, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
