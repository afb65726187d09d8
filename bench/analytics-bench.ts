// SPEC §7 "analytics over 10 million clicks: a 30-day daily time series and a top-10 breakdown
// each answer in < 100 ms". A scratch PostgreSQL database is served by the real CLI, filled by
// the real `curt seed-clicks` (bulk load of realistic synthetic clicks over 30 days), then each
// kind of GET /api/v1/analytics request is sent one at a time through the HTTP API.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { measureKind, type LatencyKindSpec } from './api-latency.js';
import { BUDGETS, CURT_BIN, REPO_ROOT, SETTINGS } from './config.js';
import { curtEnvironment, startCurt, whoAmI, type CurtInstance } from './curt.js';
import { createScratchDatabase } from './postgres.js';
import { aborted, freePort, startChild, stopChild } from './processes.js';
import type { AnalyticsSeed, BenchResults } from './results.js';
import { DAY_MS } from '../src/core/time-units.js';

export interface AnalyticsBenchContext {
  logDir: string;
  /** An empty directory for CURT_DATA_DIR (the data itself is in PostgreSQL). */
  dataDir: string;
  apiKey: string;
  adminUrl: string;
  log(line: string): void;
}

/** SPEC §4: `{ data: [{ key | time, clicks, visitors }], total: { clicks, visitors } }`. */
interface Answer { data: Array<{ key?: unknown; time?: unknown; clicks: number; visitors: number }>; total?: { clicks?: number; visitors?: number } }

/** Each kind of request this phase measures (LatencyKind.name), as the results table names it, in the order they run. */
export const ANALYTICS_KIND_TITLES: Readonly<Record<string, string>> = {
  series: 'daily series, clicks',
  'series-visitors': 'daily series, visitors',
  'top-country': 'top 10 countries, clicks',
  'top-country-visitors': 'top 10 countries, visitors',
  'top-referrer': 'top 10 referrers, clicks',
};

export async function benchAnalytics(ctx: AnalyticsBenchContext, result: BenchResults['analytics']): Promise<void> {
  const s = SETTINGS.analyticsPhase;
  const db = await createScratchDatabase(ctx.adminUrl, 'curt_bench_analytics');
  result.database = db.name;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let curt: CurtInstance | null = null;
  try {
    if (aborted()) throw new Error(aborted()!);
    curt = await startCurt({ name: 'curt-analytics', port: await freePort(), dataDir: ctx.dataDir, apiKey: ctx.apiKey, logDir: ctx.logDir, databaseUrl: db.url });
    const { workspaceId } = await whoAmI(curt.origin, ctx.apiKey);

    ctx.log(`seeding ${s.clicks.toLocaleString('en-US')} clicks over ${s.days} days on ${s.links.toLocaleString('en-US')} new links: curt seed-clicks (bulk load)`);
    result.seed = await seed(ctx, db.url, workspaceId);
    const seconds = result.seed.ms / 1000;
    ctx.log(`  seeded in ${seconds.toFixed(0)} s (${Math.round(result.seed.clicks / seconds).toLocaleString('en-US')} clicks/s); ${result.seed.humanClicks.toLocaleString('en-US')} of them not bots`);

    const api = { origin: curt.origin, apiKey: ctx.apiKey, agent, timeLimitMs: s.kindTimeLimitMs, requestTimeoutMs: s.requestTimeoutMs };
    const range = `from=${encodeURIComponent(result.seed.from)}&to=${encodeURIComponent(result.seed.to)}`;
    ctx.log(`measuring, one request at a time (${s.warmups} warm-ups per kind, not counted), over ${range}`);
    for (const spec of kinds(range, result.seed.humanClicks)) {
      if (aborted()) throw new Error(aborted()!);
      const kind = await measureKind(spec, api);
      result.kinds.push(kind);
      ctx.log(`  ${kind.name}: p50 ${kind.p50Ms.toFixed(1)} ms, p99 ${kind.p99Ms.toFixed(1)} ms (${kind.measured} requests, ${kind.wrong} wrong)${kind.firstWrong ? `; ${kind.firstWrong.slice(0, 200)}` : ''}`);
    }
  } finally {
    agent.destroy();
    if (curt) await stopChild(curt.child, SETTINGS.stopTimeoutMs);
    await db.drop().catch((error: unknown) => ctx.log(`could not drop ${db.name} yet (${error instanceof Error ? error.message : String(error)}); trying again at cleanup`));
  }
}

/** Runs `curt seed-clicks --json` as its own process and reads its report and the database it filled. */
async function seed(ctx: AnalyticsBenchContext, databaseUrl: string, workspaceId: string): Promise<AnalyticsSeed> {
  const s = SETTINGS.analyticsPhase;
  const logFile = join(ctx.logDir, 'seed-clicks.log');
  const child = startChild('seed-clicks', [CURT_BIN, 'seed-clicks', '--workspace', workspaceId, '--links', String(s.links), '--clicks', String(s.clicks),
    '--days', String(s.days), '--seed', String(s.seed), '--json'], { env: curtEnvironment({ dataDir: ctx.dataDir, databaseUrl }), cwd: REPO_ROOT, logFile });
  const exit = await child.exited;
  const report = readFileSync(logFile, 'utf8').split('\n').filter((line) => line.startsWith('{')).at(-1);
  if (exit !== 'exit 0' || !report) throw new Error(`curt seed-clicks ended with ${exit}; see ${logFile}`);
  const r = JSON.parse(report) as { clicks: number; days: number; links: number; via: string; ms: number; from: string; to: string; bulk?: { loadMs: number; indexMs: number; weeklyMs: number; vacuumMs: number; hourlyRows: number; dailyRows: number } };

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const stored = (await client.query<{ humans: string; clicks: string; hourly: string; daily: string; weekly: string }>(`select
      (select count(*) from clicks where not bot) as humans,
      (select sum(pg_total_relation_size(inhrelid)) from pg_inherits where inhparent = 'clicks'::regclass) as clicks,
      pg_total_relation_size('click_rollups_hourly') as hourly, pg_total_relation_size('click_rollups_daily') as daily,
      pg_total_relation_size('click_rollups_weekly') as weekly`)).rows[0]!;
    const mb = (bytes: string) => Number(bytes) / 2 ** 20;
    // Whole UTC days around the seeded range, so every seeded click is inside whatever way the API rounds it.
    const from = new Date(Math.floor(Date.parse(r.from) / DAY_MS) * DAY_MS).toISOString();
    const to = new Date(Math.ceil(Date.parse(r.to) / DAY_MS) * DAY_MS).toISOString();
    return {
      clicks: r.clicks, days: r.days, links: r.links, via: r.via, ms: r.ms, ...(r.bulk ?? {}),
      humanClicks: Number(stored.humans), from, to, sizesMb: { clicks: mb(stored.clicks), hourly: mb(stored.hourly), daily: mb(stored.daily), weekly: mb(stored.weekly) },
    };
  } finally {
    await client.end().catch(() => {});
  }
}

function kinds(range: string, expected: number): LatencyKindSpec[] {
  const s = SETTINGS.analyticsPhase;
  const kind = (name: string, query: string, check: (a: Answer) => string | null): LatencyKindSpec => ({
    name, label: `GET /api/v1/analytics?${query}`, count: s.requests, warmups: s.warmups, budgetP99Ms: BUDGETS.analyticsP99Ms,
    call: () => ({ method: 'GET', path: `/api/v1/analytics?${query}&${range}`, status: 200, check: (body) => checkAnswer(body as Answer, expected, check) }),
  });
  const series = (a: Answer) => (a.data.length >= 28 && a.data.length <= 32 ? null : `${a.data.length} points, expected 31 days`)
    ?? (sum(a) === expected ? null : `the days add up to ${sum(a)} clicks, ${expected} were seeded (bots excluded)`);
  const top = (metric: 'clicks' | 'visitors') => (a: Answer) => (a.data.length === 10 ? null : `${a.data.length} rows, expected 10`)
    ?? (a.data.every((d, i) => i === 0 || d[metric] <= a.data[i - 1]![metric]) ? null : `not sorted by ${metric}`);
  return [
    kind('series', 'groupBy=time&interval=day', series),
    kind('series-visitors', 'groupBy=time&interval=day&metric=visitors', series),
    kind('top-country', 'groupBy=country&limit=10', top('clicks')),
    kind('top-country-visitors', 'groupBy=country&limit=10&metric=visitors', top('visitors')),
    kind('top-referrer', 'groupBy=referrer&limit=10', top('clicks')),
  ];
}

const sum = (a: Answer) => a.data.reduce((n, d) => n + d.clicks, 0);

/** The contract's shape, the total equal to the seeded non-bot clicks, then the kind's own check. */
function checkAnswer(a: Answer, expected: number, check: (a: Answer) => string | null): string | null {
  if (!Array.isArray(a.data) || !a.data.every((d) => typeof d.clicks === 'number' && typeof d.visitors === 'number')) return 'no data array of { clicks, visitors }';
  if (typeof a.total?.clicks !== 'number') return 'no total.clicks';
  if (a.total.clicks !== expected) return `total.clicks ${a.total.clicks}, ${expected} were seeded (bots excluded)`;
  return check(a);
}

