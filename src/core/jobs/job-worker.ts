import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultBackoffMs } from './backoff.js';
import type { ClaimPolicy, ClaimedJob, JobStore } from './job-store.js';
import { PermanentFailure, RetryAfter, type JobDefinition, type JobPayload } from './ports.js';
import { RecurringSchedule } from './recurring.js';

export const DEFAULT_MAX_ATTEMPTS = 5;
export const DEFAULT_LEASE_MS = 60_000;

export type JobOutcome = 'succeeded' | 'retried' | 'dead';

export interface JobWorkerOptions {
  /** Names this worker's claims (locked_by); default host:pid:random. */
  workerId?: string;
  /** Jobs run at once (default 4). */
  concurrency?: number;
  /** Wait between polls while there is nothing to do (default 500 ms); with work, re-polls at once. */
  pollMs?: number;
  /** How long stop() waits for running jobs before aborting their signals (default 10 s). */
  stopTimeoutMs?: number;
  /** Store failures and stray errors (the loop goes on). */
  onError?: (error: unknown, context: string) => void;
  /** Told of each run's outcome as it is decided (metrics): succeeded, retried, or dead (buried). */
  onOutcome?: (name: string, outcome: JobOutcome) => void;
  now?: () => number;
  random?: () => number;
}

/**
 * The worker loop (roles `all` and `worker`): claims due jobs, runs up to `concurrency` of them,
 * and records each outcome. A job's signal is aborted shortly before its lease runs out — past
 * the lease, another worker may run it again, and this run's outcome is ignored by the store.
 * Recurring jobs are enqueued here too. Handlers must be idempotent (at-least-once delivery).
 */
export class JobWorker {
  readonly workerId: string;
  private readonly definitions = new Map<string, JobDefinition>();
  private readonly policies = new Map<string, ClaimPolicy>();
  private readonly schedules: RecurringSchedule[] = [];
  private readonly active = new Map<string, { done: Promise<void>; controller: AbortController }>();
  /** Outcomes being written: a slot frees when its handler returns, the write goes on meanwhile. */
  private readonly writes = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly pollMs: number;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  /** A wake() that came while the loop was busy: its next idle returns at once. */
  private woken = false;
  private filling: Promise<number> | null = null;

  constructor(private readonly store: JobStore, private readonly options: JobWorkerOptions = {}) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.pollMs = options.pollMs ?? 500;
  }

  /** Registers a handler for jobs of `definition.name` (once per name). */
  define(definition: JobDefinition): void {
    if (this.definitions.has(definition.name)) throw new Error(`job "${definition.name}" is already defined`);
    this.definitions.set(definition.name, definition);
    this.policies.set(definition.name, { maxAttempts: definition.maxAttempts ?? DEFAULT_MAX_ATTEMPTS, leaseMs: definition.leaseMs ?? DEFAULT_LEASE_MS });
  }

  /** Enqueues job `name` at every tick of the cron expression (UTC). */
  schedule(name: string, cron: string, payload: JobPayload = {}): void {
    if (this.schedules.some((s) => s.name === name)) throw new Error(`job "${name}" is already scheduled`);
    this.schedules.push(new RecurringSchedule(name, cron, payload));
  }

  start(): void {
    if (this.loop || this.stopping) return;
    this.loop = this.run();
  }

  /** Polls at once (something was just enqueued, or a job ended). */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /** Graceful stop: no new claims; running jobs get stopTimeoutMs, then their signals abort. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.loop;
    const settled = (async () => {
      await Promise.all([...this.active.values()].map((a) => a.done));
      await Promise.all([...this.writes]);
    })();
    if (await within(settled, this.options.stopTimeoutMs ?? 10_000)) return;
    for (const a of this.active.values()) a.controller.abort(new Error('the worker is stopping'));
    await within(settled, 1000); // what still runs keeps its lease; another worker runs it again after
  }

  /** Runs due ticks and jobs until nothing is due or running (tests, benchmarks, CLI). */
  async drain(): Promise<void> {
    await this.enqueueDueTicks();
    for (;;) {
      const claimed = await this.fill();
      if (claimed === 0 && this.active.size === 0) {
        if (this.writes.size === 0) return;
        await Promise.all([...this.writes]); // then look again: a retry may be due at once
        continue;
      }
      if (this.active.size > 0) await Promise.race([...this.active.values()].map((a) => a.done));
    }
  }

  get running(): number {
    return this.active.size;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let claimed = 0;
      let requested = 0;
      try {
        await this.enqueueDueTicks();
        requested = this.concurrency - this.active.size;
        claimed = await this.fill();
      } catch (error) {
        this.options.onError?.(error, 'polling the job queue');
      }
      if (this.stopping) break;
      // Every slot filled: there may be more; the next job to end wakes the loop.
      if (requested > 0 && claimed === requested) await this.idle(null);
      else await this.idle(this.pollMs);
    }
  }

  private idle(ms: number | null): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = ms === null ? null : setTimeout(done, ms);
      function done() { if (timer) clearTimeout(timer); resolve(); }
      this.wakeUp = () => { this.wakeUp = null; done(); };
    });
  }

  /** Claims as many due jobs as there are free slots and starts them; one claim at a time. */
  private async fill(): Promise<number> {
    while (this.filling) await this.filling;
    const free = this.concurrency - this.active.size;
    if (free <= 0 || this.stopping) return 0;
    this.filling = (async () => {
      const jobs = await this.store.claim(this.workerId, free, this.policies);
      for (const job of jobs) this.begin(job);
      return jobs.length;
    })();
    try { return await this.filling; } finally { this.filling = null; }
  }

  private begin(job: ClaimedJob): void {
    const key = `${job.id}#${job.attempt}`;
    const controller = new AbortController();
    const recorded = (error: unknown) => this.options.onError?.(error, `recording the outcome of job ${job.id} (${job.name}); it runs again after its lease`);
    const done = this.execute(job, controller)
      .then(({ write }) => {
        const tracked = write.catch(recorded).finally(() => this.writes.delete(tracked));
        this.writes.add(tracked);
      }, recorded)
      .finally(() => { this.active.delete(key); this.wake(); });
    this.active.set(key, { done, controller });
  }

  /** Runs the handler; answers the write of its outcome, still in flight. */
  private async execute(job: ClaimedJob, controller: AbortController): Promise<{ write: Promise<void> }> {
    // claim() only hands out names this worker defined.
    const definition = this.definitions.get(job.name)!;
    // Abort shortly before the lease ends: a tenth of it, at most 5 s, early.
    const abortIn = job.leaseMs - Math.min(5000, job.leaseMs / 10);
    const timer = setTimeout(() => controller.abort(new Error(`job ${job.id} reached the end of its ${job.leaseMs} ms lease`)), abortIn);
    let failure: unknown = null;
    let failed = false;
    try {
      await definition.handler({
        id: job.id, name: job.name, payload: job.payload, workspaceId: job.workspaceId,
        attempt: job.attempt, maxAttempts: job.maxAttempts, signal: controller.signal,
      });
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      clearTimeout(timer);
    }
    const told = this.options.onOutcome;
    if (!failed) {
      told?.(job.name, 'succeeded');
      return { write: this.store.complete(job) };
    }
    const message = describe(failure);
    if (isPermanent(failure) || job.attempt >= job.maxAttempts) {
      told?.(job.name, 'dead');
      return { write: this.store.bury(job, isPermanent(failure) ? message : `attempt ${job.attempt} of ${job.maxAttempts}: ${message}`) };
    }
    told?.(job.name, 'retried');
    const delay = retryDelay(failure) ?? (definition.backoffMs ?? ((n) => defaultBackoffMs(n, this.options.random)))(job.attempt);
    return { write: this.store.retryLater(job, Math.max(0, delay), message) };
  }

  private async enqueueDueTicks(): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    for (const schedule of this.schedules) {
      const tick = schedule.due(now);
      if (tick === null) continue;
      await this.store.enqueueTick(schedule.name, tick, schedule.request(tick));
      schedule.handled(now);
    }
  }
}

function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => { clearTimeout(timer); resolve(true); });
  });
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

const isPermanent = (error: unknown) => error instanceof PermanentFailure || (error as Error | null)?.name === 'PermanentFailure';

function retryDelay(error: unknown): number | null {
  if (error instanceof RetryAfter) return error.delayMs;
  const e = error as { name?: unknown; delayMs?: unknown } | null;
  return e?.name === 'RetryAfter' && typeof e.delayMs === 'number' ? e.delayMs : null;
}
