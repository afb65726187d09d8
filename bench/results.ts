import type { LatencyKind } from './api-latency.js';
import type { Phase } from './config.js';
import type { SeedResult } from './links-seed.js';
import type { LoadRun } from './load.js';

/** Everything one `npm run bench` measured; written to .bench/results.json. */
export interface BenchResults {
  date: string;
  command: string;
  machine: { nproc: number; cpu: string; memGb: number; node: string; kernel: string; loadAvgAtStart: number[] };
  /** The commit measured, and files differing from it (others may be editing the tree). */
  source: { commit: string; modified: string[] };
  settings: Record<string, unknown>;
  /** The phases this run ran (BENCH_ONLY); the others have no results. */
  phases: Phase[];
  redirect: RedirectResult;
  /** The redirect budget in the scale-out shape: a `--role redirect` process on PostgreSQL + Redis, ingest in a `--role worker` process. */
  scaleout: ScaleOutResult;
  /** The redirect budget in compose.yaml's shape: deploy/nginx.conf in front of two `--role redirect` processes, against the same nginx in front of two baselines. */
  balanced: BalancedResult;
  coldStart: { error?: string; freshDataDirReadyMs?: number; readyMs: number[]; medianMs?: number };
  embeddedIdleRss: { error?: string; mb: number[]; medianMb?: number };
  postgres: { skipped?: string; error?: string; version?: string; firstStartReadyMs?: number; readyMs?: number; idleRssMb?: number };
  /** SPEC §7 link creation and list/search latency with `stored` links, on PostgreSQL. */
  links: { skipped?: string; error?: string; version?: string; database?: string; stored?: number; seed?: SeedResult; kinds: LatencyKind[] };
  /** SPEC §7 click ingest into PostgreSQL, through ClickIngest (enricher + SqlClickStore). */
  ingest: { skipped?: string; error?: string; version?: string; settings?: string; warmup?: IngestRun; runs: IngestRun[]; check?: IngestCheck; dailyRoll?: DailyRollRun };
  /** SPEC §7 analytics over 10 M clicks: the seed, then each kind of request. */
  analytics: { skipped?: string; error?: string; version?: string; database?: string; seed?: AnalyticsSeed; kinds: LatencyKind[] };
  /** Jobs through the durable queue on PostgreSQL (bench/jobs-bench.ts). */
  jobs: JobsBenchResult;
  /** Webhook deliveries/s from the delivery handler to a local receiver (bench/webhooks-bench.ts). */
  webhooks?: { error?: string; result?: import('./webhooks-bench.js').WebhookBenchResult };
  checks: Check[];
}

export interface RedirectResult {
  error?: string;
  warmups: LoadRun[];
  runs: LoadRun[];
  baselineReqPerSec?: number;
  curtReqPerSec?: number;
  /** The budget's figure: the median of roundRatios. */
  ratio?: number;
  /** Curt's run / the mean of the baseline runs before and after it, per round. */
  roundRatios?: number[];
  /** curtReqPerSec / baselineReqPerSec (the method's figure until session 9), for comparison. */
  ratioOfMedians?: number;
  /** Median server CPU time per redirect, in microseconds. */
  baselineCpuUsPerReq?: number;
  curtCpuUsPerReq?: number;
  /** Highest share of the machine other processes used during a measured run (% of one core). */
  maxOtherCpuPct?: number;
  allCorrect?: boolean;
  clicks?: { counted: number; redirectsReceived: number; maxInFlightAtStop: number; ok: boolean };
  /** Raw click rows stored by Curt after the load (read from its data dir once it stopped); null if none (capture off). */
  rawClicks?: { stored: number; ok: boolean | null; error?: string };
  /**
   * Embedded: seconds waited before each round until every click Curt served so far was counted,
   * so Curt's catching up never takes a baseline run's CPU.
   */
  settleS?: number[];
}

export interface ScaleOutResult extends RedirectResult {
  skipped?: string;
  /** After the last load run: seconds until links.clicks reached the redirects served (the worker drained the stream). */
  drainS?: number;
}

export interface BalancedResult extends ScaleOutResult {
  /** The nginx that ran deploy/nginx.conf, e.g. `nginx/1.22.1`, and its worker processes (`worker_processes auto`). */
  nginx?: string;
  nginxWorkers?: number;
  /** One run straight at one of the two baselines, no balancer: for reference, what the hop costs. */
  directBaseline?: LoadRun;
  /** Redirects each Curt redirect instance counted itself (curt_redirects_total{outcome="redirected"}) during the load runs. */
  instances?: Array<{ name: string; redirected: number }>;
}

export interface JobsBenchResult {
  skipped?: string;
  error?: string;
  /** Jobs/s enqueued one per call (one transaction each). */
  singleEnqueuePerSec?: number;
  runs: Array<{ concurrency: number; jobs: number; batch: number; enqueuePerSec: number; processPerSec: number; ok: boolean }>;
}

export interface IngestRun {
  /**
   * Batches handed to one ClickIngest at once: 1, one after another; 2, the next one enriched and
   * prepared while one is written, as ClickBuffer and the stream consumer do.
   */
  loops: number;
  /** Run late in a busy hour: every link's hourly total rows dense before it (bench/dense-hour.ts). */
  denseHour?: boolean;
  clicks: number;
  seconds: number;
  clicksPerSec: number;
  batches: number;
  /** Time of one ClickIngest.ingest(batch) call, from the call to its commit. */
  batchP50Ms: number;
  batchP99Ms: number;
  batchMaxMs: number;
  /** True when the pre-generated clicks ran out before the planned duration. */
  ranOut: boolean;
}

/** After the ingest phase: every click sent is stored once, as a raw row, in links.clicks and in the rollups. */
export interface IngestCheck { sent: number; rawRows: number; linkClicks: number; rollupClicks: number; ok: boolean }

/** `curt seed-clicks` as the analytics phase ran it (its --json report), plus what the database then held. */
export interface AnalyticsSeed {
  clicks: number;
  days: number;
  links: number;
  via: string;
  ms: number;
  loadMs?: number;
  indexMs?: number;
  weeklyMs?: number;
  vacuumMs?: number;
  hourlyRows?: number;
  dailyRows?: number;
  /** Non-bot clicks stored (what analytics reports by default), and the range asked for. */
  humanClicks: number;
  from: string;
  to: string;
  sizesMb: { clicks: number; hourly: number; daily: number; weekly: number };
}

export interface Check {
  name: string;
  value: string;
  budget: string;
  pass: boolean | null;
}

/** How a run handed batches to ingest, for the report. */
export function inFlightLabel(batches: number): string {
  return batches === 1 ? '1 batch at a time' : `${batches} batches in flight`;
}

/** DailyRollups over the days the ingest phase wrote: the once-a-day work ingest no longer does per batch. */
export interface DailyRollRun {
  days: number;
  clicks: number;
  ms: number;
}
