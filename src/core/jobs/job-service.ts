import { requireScope, type Actor } from '../auth/actor.js';
import { DomainError, notFound } from '../errors.js';
import { decodeTimeCursor, encodeTimeCursor } from '../pagination.js';
import type { JobAdminStore, JobDepth, JobRecord, JobState } from './job-store.js';

/** GET /jobs and POST /jobs/{id}/retry: a workspace admin's view of the workspace's jobs. */
export class JobService {
  constructor(private readonly store: JobAdminStore) {}

  async list(actor: Actor, request: { state?: JobState | undefined; cursor?: string | undefined; limit: number }): Promise<{ jobs: JobRecord[]; depth: JobDepth; nextCursor: string | null }> {
    requireScope(actor, 'workspace:admin');
    const after = decodeTimeCursor(request.cursor);
    const [rows, depth] = await Promise.all([
      this.store.list({ workspaceId: actor.workspaceId, state: request.state, after, limit: request.limit + 1 }),
      this.store.depth(actor.workspaceId),
    ]);
    const jobs = rows.slice(0, request.limit);
    const last = jobs.at(-1);
    return { jobs, depth, nextCursor: rows.length > request.limit && last ? encodeTimeCursor(last.createdAt, last.id) : null };
  }

  /** A dead job runs again with a fresh attempt budget; any other state is a conflict. */
  async retry(actor: Actor, id: string): Promise<JobRecord> {
    requireScope(actor, 'workspace:admin');
    const outcome = await this.store.retryDead(actor.workspaceId, id);
    if (outcome === 'missing') throw notFound('job');
    if (outcome === 'not-dead') throw new DomainError('job-not-retryable', 'only dead jobs can be retried; this one is queued, running or succeeded');
    const job = await this.store.get(actor.workspaceId, id);
    if (!job) throw notFound('job'); // pruned in between: not plausible, but not a crash
    return job;
  }
}
