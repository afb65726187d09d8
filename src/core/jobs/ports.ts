/**
 * The durable job queue, as the domain sees it. Jobs live in the database (PGlite or
 * PostgreSQL), so an enqueue can share the transaction of the change that causes it; the
 * SQL adapter offers that for adapters (enqueue with a transaction), the port below is the
 * stand-alone form. Delivery is at-least-once: handlers must be idempotent.
 */
export type JobPayload = Record<string, unknown>;

export interface JobRequest {
  /** A registered JobDefinition's name, e.g. 'webhook.deliver'. */
  name: string;
  payload: JobPayload;
  /** The workspace the job works for (GET /jobs shows a workspace its own); null for system jobs. */
  workspaceId: string | null;
  /** Not before this time (scheduled jobs); default now. */
  runAt?: Date;
  /** While a job with this key is queued or running, enqueueing another with it is a no-op. */
  singletonKey?: string;
}

export interface JobQueue {
  /** Ids in request order (for a singleton no-op: the existing job's id). */
  enqueue(requests: readonly JobRequest[]): Promise<string[]>;
}

/** One run of a job: what the worker claimed and the handler is told. */
export interface JobRun {
  id: string;
  name: string;
  payload: JobPayload;
  workspaceId: string | null;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
}

export interface RunningJob extends JobRun {
  /** Aborted when the lease is about to run out or the worker stops. */
  signal: AbortSignal;
}

export type JobHandler = (job: RunningJob) => Promise<void>;

export interface JobDefinition {
  name: string;
  handler: JobHandler;
  /** Runs before the job is dead (default 5). */
  maxAttempts?: number;
  /** Delay before the next run after failed attempt `attempt` (default exponential with jitter). */
  backoffMs?: (attempt: number) => number;
  /** How long a claim holds before another worker may run the job again (default 60 s). */
  leaseMs?: number;
}

/** Thrown by a handler that wants its next run at a given delay (e.g. a 429's Retry-After). */
export class RetryAfter extends Error {
  constructor(readonly delayMs: number, message: string) {
    super(message);
    this.name = 'RetryAfter';
  }
}

/** Thrown by a handler when retrying cannot help: the job goes straight to dead. */
export class PermanentFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailure';
  }
}
