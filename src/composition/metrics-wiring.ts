import { sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { DatabaseHandle } from '../adapters/db/database.js';
import type { SqlJobQueue } from '../adapters/db/job-queue.sql.js';
import { CurtMetrics, type StreamStats } from '../adapters/metrics/curt-metrics.js';
import type { ClickBuffer } from '../core/analytics/click-buffer.js';
import { LoadShedder, type LoadSheddingOptions } from '../http/plugins/load-shedding.js';
import { RedirectStats } from '../http/redirect/redirect-stats.js';
import type { Config } from './config.js';

/** /readyz's failure: names the dependencies that did not answer. */
export class NotReady extends Error {
  constructor(readonly unreachable: string[], readonly causes: unknown[]) {
    super(`unreachable: ${unreachable.join(', ')}`);
    this.name = 'NotReady';
  }
}

export interface ObservabilityDeps {
  handle: DatabaseHandle;
  clicks: ClickBuffer;
  jobs: SqlJobQueue;
  /** The click stream's connection and key (REDIS_URL set); null without Redis. */
  redis: { connection: Redis; key: string; group: string } | null;
  /** Embedded: the click spool's backlog and ingest's deferrals; else null. */
  clickSpool: { backlog(): number; dropped(): number; deferred(): number } | null;
  /** The shared link cache's lookup counters (REDIS_URL set, roles that serve redirects); else null. */
  sharedLinkCache: { readonly hits: number; readonly misses: number; readonly errors: number } | null;
  log: () => { warn(obj: object, msg: string): void } | null;
}

export interface ObservabilityOptions {
  /** Load shedding tuning; tests inject `pressure`. maxEventLoopDelayMs defaults to CURT_SHED_EVENT_LOOP_DELAY_MS. */
  shedding?: LoadSheddingOptions;
  /** /readyz's wait per dependency (default 1 s). */
  readyTimeoutMs?: number;
}

export interface Observability {
  metrics: CurtMetrics;
  shedder: LoadShedder;
  redirectStats: RedirectStats;
  /** /readyz: the database answers `select 1`, and Redis PING when configured. */
  ready(): Promise<void>;
  start(): void;
  stop(): void;
}

/** Prometheus metrics, readiness and load shedding (issue part 4); root.ts calls this once. */
export function buildObservability(config: Config, deps: ObservabilityDeps, options: ObservabilityOptions = {}): Observability {
  const { handle, redis } = deps;
  const shedder = new LoadShedder({ maxEventLoopDelayMs: config.shedEventLoopDelayMs, ...options.shedding });
  const redirectStats = new RedirectStats();
  const timeoutMs = options.readyTimeoutMs ?? 1000;
  const metrics = new CurtMetrics({
    clicks: () => deps.clicks.stats(),
    redirects: redirectStats,
    ...(deps.sharedLinkCache ? { sharedLinkCache: deps.sharedLinkCache } : {}),
    database: () => handle.stats?.(),
    jobDepth: () => deps.jobs.systemDepth(),
    ...(redis ? { clickStream: () => streamStats(redis.connection, redis.key, redis.group) } : {}),
    ...(deps.clickSpool ? { clickSpool: deps.clickSpool } : {}),
    shedding: shedder,
    onError: (error, what) => deps.log()?.warn({ err: error }, `metrics: ${what} not read`),
  });

  return {
    metrics, shedder, redirectStats,
    async ready() {
      const checks: Array<[string, Promise<unknown>]> = [['database', sql`select 1`.execute(handle.db)]];
      if (redis) checks.push(['redis', redis.connection.ping()]);
      const results = await Promise.allSettled(checks.map(([name, check]) => within(check, timeoutMs, name)));
      const down = checks.map(([name], i) => (results[i]!.status === 'rejected' ? name : null)).filter((n): n is string => n !== null);
      if (down.length > 0) throw new NotReady(down, results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : [])));
    },
    start: () => shedder.start(),
    stop: () => shedder.stop(),
  };
}

/** XLEN and the consumer group's pending and lag (XINFO GROUPS); a stream not created yet is empty. */
async function streamStats(redis: Redis, key: string, group: string): Promise<StreamStats> {
  const length = await redis.xlen(key);
  let groups: unknown[] = [];
  try {
    groups = (await redis.call('XINFO', 'GROUPS', key)) as unknown[];
  } catch (error) {
    if (!/no such key/i.test((error as Error).message)) throw error;
  }
  for (const entry of groups) {
    const fields = entry as unknown[];
    const get = (name: string) => { const i = fields.indexOf(name); return i === -1 ? undefined : fields[i + 1]; };
    if (get('name') !== group) continue;
    const lag = get('lag');
    return { length, pending: Number(get('pending') ?? 0), lag: typeof lag === 'number' ? lag : null };
  }
  return { length, pending: 0, lag: length };
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}
