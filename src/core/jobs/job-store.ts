import type { JobQueue, JobRequest, JobRun } from './ports.js';

/** A job's life: queued → running → succeeded, or back to queued to retry, or dead. */
export const JOB_STATES = ['queued', 'running', 'succeeded', 'dead'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** A job as a worker claimed it: `attempt` and `lockedBy` identify this run of it. */
export interface ClaimedJob extends JobRun {
  lockedBy: string;
  leaseMs: number;
}

/** Per job name, what the claim writes: attempts allowed (first claim only) and the lease. */
export interface ClaimPolicy { maxAttempts: number; leaseMs: number }

/**
 * The queue as the worker loop needs it. Every write that ends a run names the run (job id,
 * worker, attempt), so a worker whose lease ran out and whose job was claimed again cannot
 * overwrite the newer run's outcome.
 */
export interface JobStore extends JobQueue {
  /**
   * Up to `limit` due jobs whose names have a policy (the worker defines them), oldest run_at
   * first, each locked for its policy's lease; jobs whose lease expired are first put back (or
   * dead when out of attempts). Other names stay queued for a worker that knows them: during a
   * rolling deploy an older worker must not take, and bury, a job type it has never heard of.
   */
  claim(workerId: string, limit: number, policies: ReadonlyMap<string, ClaimPolicy>): Promise<ClaimedJob[]>;
  complete(job: ClaimedJob): Promise<void>;
  /** Back to queued, due after delayMs, with the error remembered. */
  retryLater(job: ClaimedJob, delayMs: number, error: string): Promise<void>;
  /** Dead: no further runs unless retried by hand. */
  bury(job: ClaimedJob, error: string): Promise<void>;
  /**
   * Enqueues the job of a recurring schedule's tick unless that tick (or a later one) was
   * already enqueued by anyone; true when this call enqueued it.
   */
  enqueueTick(schedule: string, tick: Date, request: JobRequest): Promise<boolean>;
}

/** A job as GET /jobs shows it. */
export interface JobRecord {
  id: string;
  name: string;
  state: JobState;
  workspaceId: string | null;
  attempt: number;
  maxAttempts: number | null;
  runAt: Date;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface JobListQuery {
  workspaceId: string;
  state?: JobState | undefined;
  after: { createdAt: Date; id: string } | null;
  limit: number;
}

/** Counts stop at this many: a number this size means "at least". */
export const DEPTH_COUNT_LIMIT = 10_000;

export interface JobDepth { queued: number; running: number; dead: number }

/** What workspace admins see and do (GET /jobs, POST /jobs/{id}/retry). */
export interface JobAdminStore {
  list(query: JobListQuery): Promise<JobRecord[]>;
  get(workspaceId: string, id: string): Promise<JobRecord | null>;
  depth(workspaceId: string): Promise<JobDepth>;
  /** A dead job back to queued with a fresh attempt budget. */
  retryDead(workspaceId: string, id: string): Promise<'ok' | 'missing' | 'not-dead'>;
}
