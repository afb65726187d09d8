import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INGEST_BATCH } from '../src/core/analytics/click-ingest.js';

/** The repository root; this file runs compiled, from dist/bench/. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CURT_BIN = resolve(REPO_ROOT, 'bin/curt.js');
/** Compiled siblings of this file, started as their own processes. */
export const BASELINE_ENTRY = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
export const LOAD_ENTRY = fileURLToPath(new URL('./load-worker.js', import.meta.url));
export const RESULTS_DIR = resolve(REPO_ROOT, '.bench');

/** Parts of the run, in the order they run; BENCH_ONLY=<comma list> runs only those named. */
export const PHASES = ['embedded', 'scaleout', 'balanced', 'postgres', 'links', 'ingest', 'analytics', 'jobs', 'webhooks'] as const;
export type Phase = (typeof PHASES)[number];

function phasesFromEnv(): Phase[] {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '') return [...PHASES];
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(PHASES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new Error(`BENCH_ONLY must be a comma-separated list of ${PHASES.join(', ')}; got "${raw}"`);
  return PHASES.filter((p) => names.includes(p));
}

function intFromEnv(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer of at least ${min}, got "${raw}"`);
  return value;
}

/** Defaults are the documented method; the BENCH_* variables exist for quick trial runs. */
export const SETTINGS = {
  /**
   * embedded: redirect throughput, then cold starts and idle RSS on its data dir; scaleout: redirect throughput of a
   * --role redirect process on PostgreSQL + Redis, clicks ingested by a --role worker; balanced: the same with two
   * --role redirect processes behind nginx running deploy/nginx.conf, against two baselines behind it; postgres: idle RSS on PostgreSQL;
   * links: SPEC §7 link budgets at 1 M links; ingest: click ingest into PostgreSQL; analytics: queries over 10 M seeded clicks.
   */
  phases: phasesFromEnv(),
  links: intFromEnv('BENCH_LINKS', 1000),
  connections: intFromEnv('BENCH_CONNECTIONS', 50),
  durationS: intFromEnv('BENCH_DURATION_S', 10),
  warmupS: intFromEnv('BENCH_WARMUP_S', 5),
  /** Measured rounds of the redirect phases, each a baseline run, a Curt run and a baseline run (redirect-bench.ts). */
  rounds: intFromEnv('BENCH_ROUNDS', 5),
  coldStarts: intFromEnv('BENCH_COLD_STARTS', 3),
  idleMs: 3000,
  readyPollMs: 20,
  readyTimeoutMs: 30_000,
  stopTimeoutMs: 5000,
  /** BENCH_CURT_NODE_ARGS: Node flags for the Curt servers under load (e.g. --cpu-prof). */
  curtNodeArgs: (process.env.BENCH_CURT_NODE_ARGS ?? '').split(' ').filter(Boolean),
  /** The whole run is aborted (children stopped, scratch databases dropped) after this. */
  overallTimeoutMs: 0, // set below, from the phases that run
  postgresAdminUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  /** The scaleout and balanced phases' Redis (a key prefix of each run's own; nothing else is touched). */
  redisUrl: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
  /** The links phase (SPEC §7 "link creation with 1 million links stored"), on PostgreSQL. */
  linksPhase: {
    /** Links seeded with SQL before anything is measured (at least 10,000, so every list page is full). */
    stored: intFromEnv('BENCH_LINKS_STORED', 1_000_000, 10_000),
    creates: 500,
    listFirstPages: 200,
    /** Requests that follow a nextCursor, over pages 2 .. cursorDepth + 1. */
    listCursorPages: 200,
    cursorDepth: 5,
    searchesFew: 200,
    searchesMany: 200,
    tagFilters: 100,
    /** Requests of each kind sent first and not counted. */
    warmups: 20,
    /** One kind stops after this (warm-up included) even if not all its requests were sent: keeps the phase bounded when a query is slow. */
    kindTimeLimitMs: 25_000,
    requestTimeoutMs: 30_000,
  },
  /** SPEC §7 "click ingest into PostgreSQL: >= 50,000 clicks/s sustained": ClickIngest (enricher + SqlClickStore) in this process. */
  ingestPhase: {
    links: 10_000,
    /** The production batch (ClickBuffer, the stream consumer). */
    batch: INGEST_BATCH,
    warmupS: intFromEnv('BENCH_INGEST_WARMUP_S', 5),
    durationS: intFromEnv('BENCH_INGEST_DURATION_S', 25),
    /** Batches handed to ClickIngest at once (results.ts, IngestRun.loops); each count is a measured run. */
    loops: [1, 2],
    /** Most clicks generated ahead of one measured run (memory bound; the run ends early if they run out). */
    maxPregenerated: 1_500_000,
  },
  /** SPEC §7 "analytics over 10 million clicks": seeded by `curt seed-clicks`, then asked through the API. */
  analyticsPhase: {
    clicks: intFromEnv('BENCH_ANALYTICS_CLICKS', 10_000_000, 10_000),
    days: 30,
    links: 10_000,
    seed: 20261123,
    requests: 100,
    warmups: 10,
    kindTimeLimitMs: 30_000,
    requestTimeoutMs: 30_000,
  },
  /** Jobs through the queue on PostgreSQL (bench/jobs-bench.ts): enqueue and process rates. */
  jobsPhase: {
    jobs: intFromEnv('BENCH_JOBS', 20_000, 100),
    batch: 1000,
    singles: 2000,
    concurrency: [4, 16],
  },
};

/** Upper bounds per phase, in ms: the whole run is aborted past their sum for the phases that run. */
const PHASE_TIME_LIMITS: Record<Phase, number> = {
  // Five rounds of three 10 s runs, Curt's clicks stored before each round, then the cold starts.
  embedded: 12 * 60_000,
  // Load as in embedded, then up to 10 min for the niced worker to drain the stream.
  scaleout: 15 * 60_000,
  // As scaleout, plus one run straight at a baseline.
  balanced: 15 * 60_000,
  postgres: 60_000,
  links: 4 * 60_000,
  ingest: 5 * 60_000,
  // Seeding 10 M clicks took ~15 min on the 2-CPU benchmark VM (BENCHMARKS.md, Session 3): 40 min leaves room for a busier machine.
  analytics: 5 * 60_000 + Math.ceil(SETTINGS.analyticsPhase.clicks / 10_000_000 * 40 * 60_000),
  jobs: 5 * 60_000,
  webhooks: 3 * 60_000,
};
SETTINGS.overallTimeoutMs = SETTINGS.phases.reduce((sum, phase) => sum + PHASE_TIME_LIMITS[phase], 0);

export const BUDGETS = {
  redirectRatio: 0.8,
  coldStartMs: 3000,
  embeddedIdleRssMb: 400,
  postgresIdleRssMb: 150,
  /** p99 of POST /api/v1/links with 1 M links stored. */
  linkCreateP99Ms: 20,
  /** p99 of GET /api/v1/links (pages, tag filter) and of ?search=, with 1 M links stored. */
  linkListP99Ms: 50,
  linkSearchP99Ms: 50,
  ingestClicksPerSec: 50_000,
  /** p99 of the 30-day daily series and of the top-10 breakdowns, with 10 M clicks stored. */
  analyticsP99Ms: 100,
};
