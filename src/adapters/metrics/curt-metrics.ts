import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClickBufferStats } from '../../core/analytics/click-buffer.js';
import type { JobDepth } from '../../core/jobs/job-store.js';
import type { DatabaseStats } from '../db/database.js';

/** Redis click stream figures (XINFO GROUPS / XLEN); lag is null where Redis cannot tell (< 7). */
export interface StreamStats { length: number; pending: number; lag: number | null }

/**
 * Where the figures come from. Everything but HTTP timings, job runs and webhook outcomes is
 * read on scrape from the components' own counters, so nothing here runs per redirect.
 */
export interface MetricsSources {
  clicks: () => ClickBufferStats;
  redirects?: { cacheHits: number; cacheMisses: number; outcomes(): Record<string, number> };
  /** Only with REDIS_URL: lookups of the shared link cache after an in-process miss. */
  sharedLinkCache?: { readonly hits: number; readonly misses: number; readonly errors: number };
  database?: () => DatabaseStats | undefined;
  /** Bounded counts (10 000 at most per state) over every workspace. */
  jobDepth?: () => Promise<JobDepth>;
  /** Only with REDIS_URL. */
  clickStream?: () => Promise<StreamStats>;
  /** Only embedded: the local click spool (clicks this process spooled and ingest has not stored; ingest's waits for bursts). */
  clickSpool?: { backlog(): number; dropped(): number; deferred(): number };
  shedding?: { readonly overloaded: boolean; readonly shedRequests: number; readonly lastDelayMs: number; readonly stalledWindows: number };
  /** How long a scrape waits for the database and Redis figures (default 1 s); past it they are left out (NaN when unlabelled). */
  collectTimeoutMs?: number;
  /** Told when a scrape-time figure could not be read. */
  onError?: (error: unknown, what: string) => void;
}

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One Prometheus registry per Curt instance (tests run many in a process; the global default
 * registry would mix them). Families are prefixed `curt_`.
 */
export class CurtMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'route' | 'method' | 'status'>;
  private readonly jobRuns: Counter<'name' | 'outcome'>;
  private readonly webhookDeliveries: Counter<'outcome'>;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    const timeoutMs = sources.collectTimeoutMs ?? 1000;
    const settle = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
      try {
        return await within(read(), timeoutMs, what);
      } catch (error) {
        sources.onError?.(error, what);
        return null;
      }
    };
    collectDefaultMetrics({ register: this.registry, prefix: 'curt_' });

    this.http = new Histogram({
      name: 'curt_http_request_duration_seconds', help: 'Fastify-routed requests by route pattern, method and status (redirects served in front of Fastify are in curt_redirects_total).',
      labelNames: ['route', 'method', 'status'], buckets: HTTP_BUCKETS, registers,
    });
    this.jobRuns = new Counter({ name: 'curt_job_runs_total', help: 'Job runs by job name and outcome (succeeded, retried, dead).', labelNames: ['name', 'outcome'], registers });
    this.webhookDeliveries = new Counter({ name: 'curt_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome (delivered, failed, gone).', labelNames: ['outcome'], registers });

    const redirects = sources.redirects;
    if (redirects) {
      new Counter({
        name: 'curt_redirects_total', help: 'Requests answered by the redirect hot path, by outcome.', labelNames: ['outcome'], registers,
        collect() { this.reset(); for (const [outcome, n] of Object.entries(redirects.outcomes())) this.inc({ outcome }, n); },
      });
      new Counter({
        name: 'curt_redirect_cache_lookups_total', help: 'In-process redirect cache lookups: hit (served from memory) or miss (shared cache or database read).', labelNames: ['result'], registers,
        collect() { this.reset(); this.inc({ result: 'hit' }, redirects.cacheHits); this.inc({ result: 'miss' }, redirects.cacheMisses); },
      });
      new Gauge({
        name: 'curt_redirect_cache_hit_ratio', help: 'Share of redirect cache lookups served from memory since start (0 before any).', registers,
        collect() { const all = redirects.cacheHits + redirects.cacheMisses; this.set(all === 0 ? 0 : redirects.cacheHits / all); },
      });
    }

    const shared = sources.sharedLinkCache;
    if (shared) {
      new Counter({
        name: 'curt_redirect_shared_cache_lookups_total', labelNames: ['result'], registers,
        help: 'Shared (Redis) link cache lookups after an in-process miss: hit (link or known-unknown slug), miss (database read), error (Redis did not answer; database read).',
        collect() { this.reset(); this.inc({ result: 'hit' }, shared.hits); this.inc({ result: 'miss' }, shared.misses); this.inc({ result: 'error' }, shared.errors); },
      });
    }

    new Gauge({ name: 'curt_click_buffer_buffered', help: 'Clicks held in memory, not yet written.', registers, collect() { this.set(sources.clicks().buffered); } });
    new Counter({ name: 'curt_click_buffer_written_total', help: 'Clicks written by the click buffer.', registers, collect() { this.reset(); this.inc(sources.clicks().written); } });
    new Counter({ name: 'curt_click_buffer_dropped_total', help: 'Clicks dropped because the buffer was full.', registers, collect() { this.reset(); this.inc(sources.clicks().dropped); } });

    const spool = sources.clickSpool;
    if (spool) {
      new Gauge({ name: 'curt_click_spool_backlog', help: 'Clicks this process wrote to the embedded click spool that ingest has not stored yet.', registers, collect() { this.set(spool.backlog()); } });
      new Counter({ name: 'curt_click_spool_dropped_total', help: 'Clicks dropped because the embedded click spool was full (ingest not keeping up).', registers, collect() { this.reset(); this.inc(spool.dropped()); } });
      new Counter({ name: 'curt_click_spool_deferrals_total', help: 'Times embedded ingest waited for a burst of redirects to pass.', registers, collect() { this.reset(); this.inc(spool.deferred()); } });
    }

    const stream = sources.clickStream;
    if (stream) {
      let last: Promise<StreamStats | null> | null = null;
      // One XINFO per scrape, shared by the three gauges.
      const read = () => (last ??= settle('click stream', stream).finally(() => setImmediate(() => { last = null; })));
      const gauge = (name: string, help: string, pick: (s: StreamStats) => number | null) => new Gauge({
        name, help, registers,
        // NaN (prom-client writes "Nan", which Prometheus parses) while Redis cannot be read, or lag on Redis < 7.
        async collect() { const s = await read(); const v = s ? pick(s) : null; this.set(v ?? Number.NaN); },
      });
      gauge('curt_click_stream_length', 'Entries in the Redis click stream.', (s) => s.length);
      gauge('curt_click_stream_pending', 'Click stream entries delivered to a consumer, not yet acknowledged.', (s) => s.pending);
      gauge('curt_click_stream_lag', 'Click stream entries not yet delivered to the ingest consumer group (Redis 7+).', (s) => s.lag);
    }

    const depth = sources.jobDepth;
    if (depth) {
      new Gauge({
        name: 'curt_jobs', help: 'Jobs by state (each count stops at 10000).', labelNames: ['state'], registers,
        async collect() {
          this.reset();
          const d = await settle('job depth', depth);
          if (d) for (const state of ['queued', 'running', 'dead'] as const) this.set({ state }, d[state]);
        },
      });
    }

    const database = sources.database;
    if (database) {
      new Gauge({
        name: 'curt_db_pool_connections', help: 'PostgreSQL pool connections: total, idle, waiting (queries queued for a connection), max.', labelNames: ['state'], registers,
        collect() {
          this.reset();
          const s = database();
          if (s?.engine === 'postgres') for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, s[state]);
        },
      });
      new Gauge({
        name: 'curt_db_queries_in_flight', help: 'Embedded PGlite: queries sent to its thread, not yet answered.', registers,
        collect() { this.reset(); const s = database(); if (s?.engine === 'pglite') this.set(s.inFlight); },
      });
    }

    const shedding = sources.shedding;
    if (shedding) {
      new Gauge({ name: 'curt_overloaded', help: '1 while requests are shed under event-loop pressure.', registers, collect() { this.set(shedding.overloaded ? 1 : 0); } });
      new Gauge({ name: 'curt_event_loop_delay_seconds', help: 'Mean event-loop delay of the last load-shedding sample window.', registers, collect() { this.set(shedding.lastDelayMs / 1000); } });
      new Counter({
        name: 'curt_shed_requests_total', help: 'Fastify-routed requests answered 503 overloaded (shed redirects: curt_redirects_total{outcome="shed"}).', registers,
        collect() { this.reset(); this.inc(shedding.shedRequests); },
      });
      new Counter({
        name: 'curt_event_loop_stalls_total', help: 'Sample windows over the shedding limit in which the process hardly ran (stopped, VM paused): not shed.', registers,
        collect() { this.reset(); this.inc(shedding.stalledWindows); },
      });
    }
  }

  /** One Fastify-routed request; `route` is the route pattern, never the raw URL. */
  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.http.observe({ route, method, status: String(status) }, seconds);
  }

  jobOutcome(name: string, outcome: string): void {
    this.jobRuns.inc({ name, outcome });
  }

  webhookOutcome(outcome: string): void {
    this.webhookDeliveries.inc({ outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    promise.then((v) => { clearTimeout(timer); resolve(v); }, (e: unknown) => { clearTimeout(timer); reject(e); });
  });
}
