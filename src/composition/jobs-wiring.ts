import type { Db } from '../adapters/db/database.js';
import { ClickLinkIndexes } from '../adapters/db/click-link-indexes.sql.js';
import { ClickPartitions } from '../adapters/db/click-partitions.sql.js';
import { SqlJobQueue } from '../adapters/db/job-queue.sql.js';
import { SqlLinkExpiry } from '../adapters/db/link-expiry.sql.js';
import { DailyRollups, WeeklyRollups } from '../adapters/db/period-rollups.sql.js';
import { LinkRollups } from '../adapters/db/link-rollups.sql.js';
import { SqlOutbox } from '../adapters/db/outbox.sql.js';
import type { EventSubscriber } from '../core/events/domain-event.js';
import { EventDispatcher } from '../core/events/event-dispatcher.js';
import type { EventFeed } from '../core/events/ports.js';
import { JobService } from '../core/jobs/job-service.js';
import { JobWorker, type JobWorkerOptions } from '../core/jobs/job-worker.js';
import type { LinkEvents } from '../core/links/link-events.js';
import type { Housekeeping } from '../core/maintenance/housekeeping.js';

export interface JobsOptions {
  /** Idle poll interval of the worker loop (default 500 ms). */
  pollMs?: number;
  /** Jobs run at once per process (default 4). */
  concurrency?: number;
  /** How long close() waits for running jobs (default 10 s). */
  stopTimeoutMs?: number;
  /** Extra subscribers of the outbox (tests); features register theirs with dispatcher.subscribe(). */
  subscribers?: EventSubscriber[];
  /** Metrics: each job run's outcome by job name. */
  onOutcome?: JobWorkerOptions['onOutcome'];
}

export interface JobsDeps {
  db: Db;
  /** all and worker run the loop; api and redirect only enqueue. */
  runWorker: boolean;
  feed: EventFeed;
  linkEvents: LinkEvents;
  housekeeping: Housekeeping;
  clickRetentionDays: number;
  log: () => { warn(obj: object, msg: string): void } | null;
}

export interface Jobs {
  queue: SqlJobQueue;
  /** The stored events (webhook deliveries read theirs here). */
  outbox: SqlOutbox;
  worker: JobWorker;
  dispatcher: EventDispatcher;
  service: JobService;
  /** Starts the loop if this role runs one. */
  start(): void;
  close(): Promise<void>;
}

/**
 * The job queue, the worker loop, the outbox dispatcher, and the recurring maintenance jobs
 * that used to be timers: housekeeping, per-link rollups, raw click retention, job and event
 * retention, link expiry events.
 */
export function buildJobs(deps: JobsDeps, options: JobsOptions = {}): Jobs {
  const { db } = deps;
  let worker: JobWorker | null = null;
  const queue = new SqlJobQueue(db, { onEnqueued: () => worker?.wake() });
  worker = new JobWorker(queue, {
    pollMs: options.pollMs, concurrency: options.concurrency, stopTimeoutMs: options.stopTimeoutMs,
    onError: (error, context) => deps.log()?.warn({ err: error }, `jobs: ${context} failed`),
    ...(options.onOutcome ? { onOutcome: options.onOutcome } : {}),
  });
  const outbox = new SqlOutbox(db);
  const dispatcher = new EventDispatcher(outbox, deps.feed);
  for (const subscriber of options.subscribers ?? []) dispatcher.subscribe(subscriber);
  worker.define(dispatcher.definition());

  const system = (name: string, cron: string, run: () => Promise<unknown>, leaseMs = 10 * 60_000) => {
    worker!.define({ name, maxAttempts: 3, leaseMs, handler: async () => { await run(); } });
    worker!.schedule(name, cron);
  };
  system('maintenance.housekeeping', '0 * * * *', () => deps.housekeeping.run());
  const rollups = new LinkRollups(db);
  system('clicks.rollup-links', '* * * * *', () => rollups.run());
  const days = new DailyRollups(db);
  const weeks = new WeeklyRollups(db);
  // Days first: a week is built from its days' rows, and each day's roll marks its week.
  system('clicks.rollup-days', '* * * * *', async () => { await days.run(); await weeks.run(); });
  const linkIndexes = new ClickLinkIndexes(db);
  system('clicks.index-days', '*/5 * * * *', () => linkIndexes.run());
  if (deps.clickRetentionDays > 0) {
    const partitions = new ClickPartitions(db);
    system('clicks.prune', '5 * * * *', () => partitions.prune(Date.now() - deps.clickRetentionDays * 86_400_000));
  }
  system('jobs.prune', '10 * * * *', async () => { await queue.prune(); await outbox.prune(); });
  const expiry = new SqlLinkExpiry(db, deps.linkEvents);
  system('links.expire', '* * * * *', () => expiry.run());

  let started = false;
  return {
    queue, outbox, worker, dispatcher, service: new JobService(queue),
    start() {
      if (!deps.runWorker || started) return;
      started = true;
      worker!.start();
    },
    close: () => worker!.stop(),
  };
}
