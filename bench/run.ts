// `npm run bench`: the SPEC §7 budgets that can be measured on one machine, in one run.
//   1. redirect throughput of Curt vs a bare node:http baseline (same load, alternated)
//   2. embedded cold start on a warm data dir (spawn -> GET /readyz 200)
//   3. idle RSS, embedded and (when reachable) on PostgreSQL
//   4. link creation and list/search latency with 1 M links stored (PostgreSQL, when reachable)
//   5. click ingest into PostgreSQL through ClickIngest (enricher + SqlClickStore), 1 and 2 batches in flight
//   6. analytics latency over 10 M clicks seeded by `curt seed-clicks` (PostgreSQL)
//   7. jobs through the durable queue: enqueue and process rates (PostgreSQL)
//   8. webhook deliveries/s from the delivery handler to a local receiver (embedded PGlite)
//   (scaleout) the redirect budget for --role redirect on PostgreSQL + Redis, clicks ingested by a worker
//   (balanced) the same with two --role redirect behind nginx (deploy/nginx.conf) vs two baselines behind it
// BENCH_ONLY=embedded,scaleout,balanced,postgres,links,ingest,analytics,jobs,webhooks (any of them) runs only those phases; by default all run.
// Prints a table and writes .bench/results.json. Children are stopped and scratch databases
// dropped on every path.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BUDGETS, REPO_ROOT, RESULTS_DIR, SETTINGS, type Phase } from './config.js';
import { newApiKey } from './curt.js';
import { benchAnalytics } from './analytics-bench.js';
import { benchBalanced } from './balanced-bench.js';
import { analyticsChecks, ingestChecks } from './click-checks.js';
import { benchIngest } from './ingest-bench.js';
import { benchJobs } from './jobs-bench.js';
import { benchLinks, LINK_KIND_TITLES } from './links-bench.js';
import { createScratchDatabase, dropScratchDatabases, probePostgres } from './postgres.js';
import { aborted, killAllChildrenNow, refuseNewChildren, stopAllChildren } from './processes.js';
import { benchRedirects } from './redirect-bench.js';
import { benchScaleOut } from './scaleout-bench.js';
import { renderReport } from './report.js';
import type { BalancedResult, BenchResults, Check, RedirectResult, ScaleOutResult } from './results.js';
import { median } from './stats.js';
import { measureStartup } from './startup-bench.js';
import { benchWebhooks } from './webhooks-bench.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const logDir = join(RESULTS_DIR, 'logs');
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'curt-bench-'));
const pgDataDir = mkdtempSync(join(tmpdir(), 'curt-bench-pg-'));
const linksDataDir = mkdtempSync(join(tmpdir(), 'curt-bench-links-'));
const scaleOutDataDir = mkdtempSync(join(tmpdir(), 'curt-bench-scaleout-'));
const balancedDataDir = mkdtempSync(join(tmpdir(), 'curt-bench-balanced-'));
const analyticsDataDir = mkdtempSync(join(tmpdir(), 'curt-bench-analytics-'));

async function cleanUp(): Promise<void> {
  await stopAllChildren(SETTINGS.stopTimeoutMs);
  await dropScratchDatabases((name, e) => log(`could not drop ${name}: ${message(e)}`));
  for (const dir of [dataDir, pgDataDir, linksDataDir, scaleOutDataDir, balancedDataDir, analyticsDataDir]) rmSync(dir, { recursive: true, force: true });
}

// Whatever happens, no child outlives the benchmark, and the run is bounded in time.
process.on('exit', killAllChildrenNow);
const abort = (reason: string, code: number) => {
  log(`${reason}: stopping`);
  refuseNewChildren(reason);
  void cleanUp().finally(() => process.exit(code));
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort(signal, 130));
setTimeout(() => abort(`overall time limit (${SETTINGS.overallTimeoutMs / 1000} s) reached`, 1), SETTINGS.overallTimeoutMs).unref();

function gitSource(): BenchResults['source'] {
  // Only trailing whitespace is trimmed: porcelain lines start with a status column that may be a space.
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trimEnd();
  try {
    return { commit: git('rev-parse', '--short', 'HEAD'), modified: git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).map((l) => l.slice(3)) };
  } catch {
    return { commit: 'unknown (no git)', modified: [] };
  }
}

const apiKey = newApiKey();
const results: BenchResults = {
  date: new Date().toISOString(),
  command: 'npm run bench',
  machine: {
    nproc: cpus().length,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
  },
  source: gitSource(),
  settings: { ...SETTINGS, postgresAdminUrl: SETTINGS.postgresAdminUrl.replace(/:[^:@/]*@/, ':***@'), host: '127.0.0.1', pipelining: 1, keepAlive: true, loadGenerator: 'autocannon 9 (own process)' },
  phases: SETTINGS.phases,
  redirect: { warmups: [], runs: [] },
  scaleout: { warmups: [], runs: [] },
  balanced: { warmups: [], runs: [] },
  coldStart: { readyMs: [] },
  embeddedIdleRss: { mb: [] },
  postgres: {},
  links: { kinds: [] },
  ingest: { runs: [] },
  analytics: { kinds: [] },
  jobs: { runs: [] },
  checks: [],
};
const runs = (phase: Phase) => SETTINGS.phases.includes(phase);
let probe: Awaited<ReturnType<typeof probePostgres>> | null = null;
const pgProbe = async () => (probe ??= await probePostgres(SETTINGS.postgresAdminUrl));
const pgUnreachable = (reason: string) => `PostgreSQL not reachable at ${SETTINGS.postgresAdminUrl.replace(/:[^:@/]*@/, ':***@')} (${reason})`;

try {
  if (runs('embedded')) await embeddedPhase();
  if (runs('scaleout')) await scaleOutPhase();
  if (runs('balanced')) await balancedPhase();
  if (runs('postgres')) await postgresPhase();
  if (runs('links')) await linksPhase();
  if (runs('ingest')) await ingestPhase();
  if (runs('analytics')) await analyticsPhase();
  if (runs('jobs')) await jobsPhase();
  if (runs('webhooks')) await webhooksPhase();
} finally {
  await cleanUp();
}

results.checks = checks(results);
mkdirSync(RESULTS_DIR, { recursive: true });
writeFileSync(join(RESULTS_DIR, 'results.json'), JSON.stringify(results, null, 2) + '\n');
process.stdout.write(renderReport(results) + '\n\nResults: .bench/results.json; server and load logs: .bench/logs/\n');
process.exitCode = results.checks.some((c) => c.pass === false) ? 1 : 0;

function checks(r: BenchResults): Check[] {
  const out: Check[] = [];
  const fail = (name: string, budget: string, error: string | undefined) => out.push({ name, value: error ? 'error' : 'not measured', budget, pass: false });
  if (r.phases.includes('embedded')) embeddedChecks(r, out, fail);
  if (r.phases.includes('scaleout')) scaleOutChecks(r.scaleout, out, fail);
  if (r.phases.includes('balanced')) balancedChecks(r.balanced, out, fail);
  if (r.phases.includes('postgres')) postgresChecks(r, out, fail);
  if (r.phases.includes('links')) linkChecks(r.links, out, fail);
  if (r.phases.includes('ingest')) ingestChecks(r.ingest, out, fail);
  if (r.phases.includes('analytics')) analyticsChecks(r.analytics, out, fail);
  if (r.phases.includes('jobs')) jobsChecks(r.jobs, out, fail);
  if (r.phases.includes('webhooks')) webhookChecks(r, out, fail);
  return out;
}

type Fail = (name: string, budget: string, error: string | undefined) => void;

function embeddedChecks(r: BenchResults, out: Check[], fail: Fail): void {
  const red = r.redirect;
  redirectChecks(red, '', out, fail);
  if (red.rawClicks) {
    const raw = red.rawClicks;
    const received = red.clicks?.redirectsReceived ?? 0;
    out.push(raw.error !== undefined
      ? { name: 'Raw click rows stored vs redirects received', value: `error: ${raw.error}`, budget: '', pass: false }
      : raw.ok === null
        ? { name: 'Raw click rows stored vs redirects received', value: '0 rows (click capture not wired in this build)', budget: '', pass: null }
        : { name: 'Raw click rows stored vs redirects received', value: `${raw.stored.toLocaleString('en-US')} vs ${received.toLocaleString('en-US')} (${raw.stored >= received ? '+' : ''}${raw.stored - received})`,
          budget: `stored - received in 0..${red.clicks?.maxInFlightAtStop ?? 0}`, pass: raw.ok });
  }
  if (red.settleS && red.settleS.length > 0) {
    out.push({ name: 'Clicks Curt served all counted: seconds waited before each round', value: red.settleS.map((x) => `${x.toFixed(1)} s`).join(', '), budget: '', pass: null });
  }
  if (r.coldStart.freshDataDirReadyMs !== undefined) {
    out.push({ name: 'First start, empty data dir (init + migrate)', value: `${Math.round(r.coldStart.freshDataDirReadyMs)} ms`, budget: '', pass: null });
  }
  if (r.coldStart.medianMs !== undefined) {
    out.push({ name: `Embedded cold start, warm data dir (median of ${r.coldStart.readyMs.length})`, value: `${Math.round(r.coldStart.medianMs)} ms (${r.coldStart.readyMs.map((x) => Math.round(x)).join(', ')})`,
      budget: `< ${BUDGETS.coldStartMs} ms`, pass: r.coldStart.medianMs < BUDGETS.coldStartMs });
  } else {
    fail('Embedded cold start', `< ${BUDGETS.coldStartMs} ms`, r.coldStart.error);
  }
  if (r.embeddedIdleRss.medianMb !== undefined) {
    out.push({ name: `Embedded idle RSS (median of ${r.embeddedIdleRss.mb.length})`, value: `${r.embeddedIdleRss.medianMb.toFixed(1)} MB (${r.embeddedIdleRss.mb.map((x) => x.toFixed(0)).join(', ')})`,
      budget: `< ${BUDGETS.embeddedIdleRssMb} MB`, pass: r.embeddedIdleRss.medianMb < BUDGETS.embeddedIdleRssMb });
  } else {
    fail('Embedded idle RSS', `< ${BUDGETS.embeddedIdleRssMb} MB`, r.embeddedIdleRss.error);
  }
}

/** The redirect budget's rows for one shape of Curt (embedded, or `label` e.g. "scale-out") against its baseline (named in full, and short). */
function redirectChecks(red: RedirectResult, label: string, out: Check[], fail: Fail, baseline = { name: 'bare node:http baseline', short: 'baseline' }): void {
  const n = `median of ${SETTINGS.rounds} rounds`;
  const curt = label ? `Curt ${label}` : 'Curt';
  if (red.ratio !== undefined && red.baselineReqPerSec !== undefined && red.curtReqPerSec !== undefined) {
    out.push({ name: `Redirect req/s, ${baseline.name} (median of ${2 * SETTINGS.rounds} runs)`, value: Math.round(red.baselineReqPerSec).toLocaleString('en-US'), budget: '', pass: null });
    out.push({ name: `Redirect req/s, ${curt} (median of ${SETTINGS.rounds} runs)`, value: Math.round(red.curtReqPerSec).toLocaleString('en-US'), budget: '', pass: null });
    out.push({ name: `Redirect ratio ${curt} / ${baseline.short} (${n}, each ${curt} run / the mean of the ${baseline.short} runs around it)`, value: red.ratio.toFixed(3), budget: `>= ${BUDGETS.redirectRatio}`, pass: red.ratio >= BUDGETS.redirectRatio });
    if (red.roundRatios) out.push({ name: 'Ratio per round', value: red.roundRatios.map((x) => x.toFixed(3)).join(', '), budget: '', pass: null });
    if (red.ratioOfMedians !== undefined) out.push({ name: `Ratio of the medians above (for comparison)`, value: red.ratioOfMedians.toFixed(3), budget: '', pass: null });
    if (red.baselineCpuUsPerReq !== undefined && red.curtCpuUsPerReq !== undefined) {
      out.push({ name: `Server CPU per redirect, ${baseline.short} / ${curt} (median of the runs)`, value: `${red.baselineCpuUsPerReq.toFixed(1)} µs / ${red.curtCpuUsPerReq.toFixed(1)} µs`, budget: '', pass: null });
    }
    const total = [...red.warmups, ...red.runs].reduce((s, x) => s + x.responses, 0);
    out.push({ name: 'Load responses all 302, no errors/timeouts', value: red.allCorrect ? `yes (${total.toLocaleString('en-US')} responses)` : 'NO (see runs)', budget: 'all', pass: red.allCorrect ?? false });
  } else {
    fail(`Redirect ratio ${curt} / ${baseline.short}`, `>= ${BUDGETS.redirectRatio}`, red.error);
  }
  if (red.clicks) {
    const c = red.clicks;
    out.push({ name: `Clicks counted by ${curt} vs redirects received`, value: `${c.counted.toLocaleString('en-US')} vs ${c.redirectsReceived.toLocaleString('en-US')} (+${c.counted - c.redirectsReceived})`,
      budget: `counted - received in 0..${c.maxInFlightAtStop}`, pass: c.ok });
  }
}

function scaleOutChecks(so: ScaleOutResult, out: Check[], fail: Fail): void {
  if (so.skipped) {
    out.push({ name: 'Redirect ratio Curt scale-out / baseline', value: `skipped (${so.skipped})`, budget: `>= ${BUDGETS.redirectRatio}`, pass: null });
    return;
  }
  redirectChecks(so, 'scale-out (--role redirect + Redis)', out, fail);
  if (so.drainS !== undefined) out.push({ name: 'Scale-out: worker (stopped during the load) stored every click, seconds after it', value: `${so.drainS.toFixed(1)} s`, budget: '', pass: null });
}

function balancedChecks(b: BalancedResult, out: Check[], fail: Fail): void {
  const label = 'behind nginx (2 x --role redirect + Redis)';
  if (b.skipped) {
    out.push({ name: `Redirect ratio Curt ${label} / baselines behind nginx`, value: `skipped (${b.skipped})`, budget: `>= ${BUDGETS.redirectRatio}`, pass: null });
    return;
  }
  if (b.nginx !== undefined) out.push({ name: 'Load balancer: deploy/nginx.conf run by', value: `${b.nginx}, ${b.nginxWorkers ?? '?'} worker processes`, budget: '', pass: null });
  redirectChecks(b, label, out, fail, { name: 'two bare node:http baselines behind nginx', short: 'baselines behind nginx' });
  const latency = (target: string) => {
    const runs = b.runs.filter((r) => r.target === target);
    return `p50 ${fixedMs(median(runs.map((r) => r.latencyMs.p50)))}, p99 ${fixedMs(median(runs.map((r) => r.latencyMs.p99)))}`;
  };
  if (b.runs.length > 0) out.push({ name: `Latency, baselines / Curt behind nginx (median of the runs)`, value: `${latency('baseline')} / ${latency('curt')}`, budget: '', pass: null });
  if (b.directBaseline) {
    const d = b.directBaseline;
    out.push({ name: 'Redirect req/s, one bare baseline straight, no nginx (one run, reference)', value: `${Math.round(d.reqPerSec).toLocaleString('en-US')} (p50 ${fixedMs(d.latencyMs.p50)}, p99 ${fixedMs(d.latencyMs.p99)})${d.correct ? '' : '; NOT all 302'}`, budget: '', pass: null });
  }
  if (b.instances) {
    const total = b.instances.reduce((sum, i) => sum + i.redirected, 0);
    const shares = b.instances.map((i) => `${i.name} ${total > 0 ? ((100 * i.redirected) / total).toFixed(1) : '0'}% (${i.redirected.toLocaleString('en-US')})`);
    out.push({ name: 'Load shared by the redirect instances (each one\'s curt_redirects_total)', value: shares.join(', '), budget: 'each served some', pass: b.instances.every((i) => i.redirected > 0) });
  }
  if (b.drainS !== undefined) out.push({ name: 'Behind nginx: worker (stopped during the load) stored every click, seconds after it', value: `${b.drainS.toFixed(1)} s`, budget: '', pass: null });
}

function fixedMs(ms: number): string {
  return `${Number.isInteger(ms) ? ms : ms.toFixed(1)} ms`;
}

function postgresChecks(r: BenchResults, out: Check[], fail: Fail): void {
  if (r.postgres.idleRssMb !== undefined) {
    out.push({ name: 'PostgreSQL mode: warm start until ready', value: `${Math.round(r.postgres.readyMs!)} ms`, budget: '', pass: null });
    out.push({ name: 'PostgreSQL mode: idle RSS', value: `${r.postgres.idleRssMb.toFixed(1)} MB`, budget: `< ${BUDGETS.postgresIdleRssMb} MB`, pass: r.postgres.idleRssMb < BUDGETS.postgresIdleRssMb });
  } else if (r.postgres.skipped) {
    out.push({ name: 'PostgreSQL mode: idle RSS', value: 'skipped (no PostgreSQL)', budget: `< ${BUDGETS.postgresIdleRssMb} MB`, pass: null });
  } else {
    fail('PostgreSQL mode: idle RSS', `< ${BUDGETS.postgresIdleRssMb} MB`, r.postgres.error);
  }
}

function linkChecks(l: BenchResults['links'], out: Check[], fail: Fail): void {
  const stored = (l.stored ?? SETTINGS.linksPhase.stored).toLocaleString('en-US');
  const budget = `p99 < ${BUDGETS.linkCreateP99Ms} ms (create), < ${BUDGETS.linkListP99Ms} ms (list/search)`;
  if (l.skipped) {
    out.push({ name: `Links at ${stored} stored: create, list, search`, value: 'skipped (no PostgreSQL)', budget, pass: null });
    return;
  }
  if (l.seed) {
    const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    out.push({ name: `Seed ${stored} links with SQL (insert / indexes / vacuum+analyze)`, value: `${sec(l.seed.totalMs)} (${sec(l.seed.insertMs)} / ${sec(l.seed.indexMs)} / ${sec(l.seed.vacuumAnalyzeMs)})`, budget: '', pass: null });
  }
  const ms = (x: number) => x.toFixed(1);
  for (const k of l.kinds) {
    const notes = [k.wrong > 0 ? `${k.wrong} wrong answers` : '', k.timeLimited ? `time limit: ${k.measured} of ${k.planned} sent` : ''].filter(Boolean);
    out.push({
      name: `At ${stored} links: ${LINK_KIND_TITLES[k.name] ?? k.name} (n=${k.measured})`,
      value: `p99 ${ms(k.p99Ms)} ms (p50 ${ms(k.p50Ms)}, max ${ms(k.maxMs)})${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
      budget: `p99 < ${k.budgetP99Ms} ms, all ${k.name === 'create' ? 201 : 200}`,
      pass: k.measured > 0 && k.p99Ms < k.budgetP99Ms && k.wrong === 0,
    });
  }
  if (l.error !== undefined || l.kinds.length < Object.keys(LINK_KIND_TITLES).length) {
    fail(`Links at ${stored} stored: ${Object.keys(LINK_KIND_TITLES).length - l.kinds.length} kinds of request`, budget, l.error);
  }
}

/** Redirect throughput, then cold starts and idle RSS on the data dir it filled. */
async function embeddedPhase(): Promise<void> {
  log(`redirect throughput: ${SETTINGS.links} links, ${SETTINGS.connections} connections, ${SETTINGS.rounds} rounds of baseline, Curt, baseline, ${SETTINGS.durationS} s each (+${SETTINGS.warmupS} s warm-ups)`);
  try {
    await benchRedirects({ logDir, dataDir, apiKey, onFreshStart: (ms) => { results.coldStart.freshDataDirReadyMs = ms; } }, results.redirect);
  } catch (error) {
    results.redirect.error = message(error);
    log(`redirect phase failed: ${results.redirect.error}`);
  }

  log(`embedded cold start: ${SETTINGS.coldStarts} starts on the warm data dir, idle RSS after ${SETTINGS.idleMs} ms`);
  try {
    for (let i = 1; i <= SETTINGS.coldStarts; i++) {
      const sample = await measureStartup({ name: `curt-start-${i}`, dataDir, apiKey, logDir });
      results.coldStart.readyMs.push(sample.readyMs);
      results.embeddedIdleRss.mb.push(sample.idleRssMb);
      log(`  start ${i}: ready in ${sample.readyMs.toFixed(0)} ms, idle RSS ${sample.idleRssMb.toFixed(1)} MB`);
    }
    results.coldStart.medianMs = median(results.coldStart.readyMs);
    results.embeddedIdleRss.medianMb = median(results.embeddedIdleRss.mb);
  } catch (error) {
    results.coldStart.error = results.embeddedIdleRss.error = message(error);
    log(`startup phase failed: ${results.coldStart.error}`);
  }
}

/** The redirect budget as Curt scales out: --role redirect on PostgreSQL + Redis, a --role worker ingesting. */
function scaleOutPhase(): Promise<void> {
  return onScratchPostgresAndRedis('scale-out', results.scaleout, `scale-out redirect throughput: --role redirect + --role worker (stopped during the load runs)`,
    (ctx) => benchScaleOut({ ...ctx, dataDir: scaleOutDataDir }, results.scaleout));
}

/** The redirect budget behind the shipped load balancer: two --role redirect behind nginx, two baselines behind the same config. */
function balancedPhase(): Promise<void> {
  return onScratchPostgresAndRedis('balanced', results.balanced,
    `balanced redirect throughput: nginx (deploy/nginx.conf) in front of 2 x --role redirect + --role worker (stopped during the load runs)`,
    (ctx) => benchBalanced({ ...ctx, dataDir: balancedDataDir }, results.balanced), ', vs the same nginx in front of 2 baselines');
}

/** The PostgreSQL probe's answer, or null after recording and logging that the phase is skipped. */
async function postgresOrSkip(result: { skipped?: string }): Promise<{ version: string; settings: string } | null> {
  const pg = await pgProbe();
  if (pg.ok) return pg;
  result.skipped = pgUnreachable(pg.reason);
  log(result.skipped);
  return null;
}

/** A phase on a scratch PostgreSQL database (dropped afterwards) and the bench's Redis; skipped without PostgreSQL, its failure recorded. */
async function onScratchPostgresAndRedis(name: string, result: { skipped?: string; error?: string }, what: string,
  bench: (ctx: { logDir: string; apiKey: string; databaseUrl: string; redisUrl: string }) => Promise<void>, suffix = ''): Promise<void> {
  const pg = await postgresOrSkip(result);
  if (!pg) return;
  log(`${what} on PostgreSQL ${pg.version} and Redis ${SETTINGS.redisUrl}${suffix}`);
  try {
    if (aborted()) throw new Error(aborted()!);
    const scratch = await createScratchDatabase(SETTINGS.postgresAdminUrl);
    try {
      await bench({ logDir, apiKey, databaseUrl: scratch.url, redisUrl: SETTINGS.redisUrl });
    } finally {
      await scratch.drop().catch((e: unknown) => log(`could not drop ${scratch.name} yet (${message(e)}); trying again at cleanup`));
    }
  } catch (error) {
    result.error = message(error);
    log(`${name} phase failed: ${result.error}`);
  }
}

async function postgresPhase(): Promise<void> {
  const pg = await postgresOrSkip(results.postgres);
  if (!pg) return;
  log(`PostgreSQL ${pg.version}: first start (migrates a fresh database), then a measured warm start`);
  results.postgres.version = pg.version;
  try {
    if (aborted()) throw new Error(aborted()!);
    const scratch = await createScratchDatabase(SETTINGS.postgresAdminUrl);
    try {
      if (aborted()) throw new Error(aborted()!);
      const first = await measureStartup({ name: 'curt-pg-first', dataDir: pgDataDir, apiKey, logDir, databaseUrl: scratch.url });
      results.postgres.firstStartReadyMs = first.readyMs;
      const warm = await measureStartup({ name: 'curt-pg-warm', dataDir: pgDataDir, apiKey, logDir, databaseUrl: scratch.url });
      results.postgres.readyMs = warm.readyMs;
      results.postgres.idleRssMb = warm.idleRssMb;
      log(`  warm start: ready in ${warm.readyMs.toFixed(0)} ms, idle RSS ${warm.idleRssMb.toFixed(1)} MB`);
    } finally {
      await scratch.drop().catch((e: unknown) => log(`could not drop ${scratch.name} yet (${message(e)}); trying again at cleanup`));
    }
  } catch (error) {
    results.postgres.error = message(error);
    log(`postgres phase failed: ${results.postgres.error}`);
  }
}

/** SPEC §7 link creation and list/search latency with SETTINGS.linksPhase.stored links, on PostgreSQL. */
async function linksPhase(): Promise<void> {
  const pg = await postgresOrSkip(results.links);
  if (!pg) return;
  log(`links: ${SETTINGS.linksPhase.stored.toLocaleString('en-US')} stored on PostgreSQL ${pg.version}, seeded with SQL; then create, list, search and tag requests, one at a time`);
  results.links.version = pg.version;
  const started = performance.now();
  try {
    await benchLinks({ logDir, dataDir: linksDataDir, apiKey, adminUrl: SETTINGS.postgresAdminUrl, log }, results.links);
  } catch (error) {
    results.links.error = message(error);
    log(`links phase failed: ${results.links.error}`);
  }
  log(`  links phase took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** SPEC §7 click ingest, in this process, on a scratch PostgreSQL database. */
async function ingestPhase(): Promise<void> {
  const pg = await postgresOrSkip(results.ingest);
  if (!pg) return;
  const s = SETTINGS.ingestPhase;
  log(`click ingest into PostgreSQL ${pg.version} (${pg.settings}): ClickIngest (enricher + SqlClickStore), ${s.durationS} s per run with ${s.loops.join(', ')} batch(es) in flight`);
  results.ingest.version = pg.version;
  results.ingest.settings = pg.settings;
  try {
    await benchIngest({ adminUrl: SETTINGS.postgresAdminUrl, log }, results.ingest);
  } catch (error) {
    results.ingest.error = message(error);
    log(`ingest phase failed: ${results.ingest.error}`);
  }
}

/** SPEC §7 analytics over 10 M clicks, seeded by `curt seed-clicks`, asked through the API of a Curt on PostgreSQL. */
async function analyticsPhase(): Promise<void> {
  const pg = await postgresOrSkip(results.analytics);
  if (!pg) return;
  results.analytics.version = pg.version;
  const started = performance.now();
  try {
    await benchAnalytics({ logDir, dataDir: analyticsDataDir, apiKey, adminUrl: SETTINGS.postgresAdminUrl, log }, results.analytics);
  } catch (error) {
    results.analytics.error = message(error);
    log(`analytics phase failed: ${results.analytics.error}`);
  }
  log(`  analytics phase took ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

/** Jobs through the durable queue, on a scratch PostgreSQL database (no budget in SPEC §7: reported). */
async function jobsPhase(): Promise<void> {
  const pg = await postgresOrSkip(results.jobs);
  if (!pg) return;
  log(`jobs: ${SETTINGS.jobsPhase.jobs.toLocaleString('en-US')} no-op jobs through the queue on PostgreSQL ${pg.version}, worker concurrency ${SETTINGS.jobsPhase.concurrency.join(', ')}`);
  try {
    await benchJobs({ adminUrl: SETTINGS.postgresAdminUrl, log }, results.jobs);
  } catch (error) {
    results.jobs.error = message(error);
    log(`jobs phase failed: ${results.jobs.error}`);
  }
}

function jobsChecks(j: BenchResults['jobs'], out: Check[], fail: Fail): void {
  if (j.skipped) {
    out.push({ name: 'Jobs through the queue (PostgreSQL)', value: 'skipped (no PostgreSQL)', budget: '', pass: null });
    return;
  }
  const rate = (x: number) => `${Math.round(x).toLocaleString('en-US')} jobs/s`;
  if (j.singleEnqueuePerSec !== undefined) out.push({ name: 'Jobs: enqueue one per transaction', value: rate(j.singleEnqueuePerSec), budget: '', pass: null });
  for (const r of j.runs) {
    out.push({ name: `Jobs: ${r.jobs.toLocaleString('en-US')} no-op jobs, enqueue in batches of ${r.batch} / run with concurrency ${r.concurrency}`,
      value: `${rate(r.enqueuePerSec)} / ${rate(r.processPerSec)}`, budget: 'every job run once', pass: r.ok });
  }
  if (j.error !== undefined || j.runs.length === 0) fail('Jobs through the queue (PostgreSQL)', '', j.error);
}

/** Webhook deliveries per second to a local receiver (no SPEC budget: reported only). */
async function webhooksPhase(): Promise<void> {
  log('webhooks: 5,000 deliveries (after 500 warm-up), concurrency 16, embedded PGlite, local node:http receiver');
  try {
    results.webhooks = { result: await benchWebhooks({ deliveries: 5000, concurrency: 16, warmup: 500 }) };
  } catch (error) {
    results.webhooks = { error: message(error) };
    log(`webhooks phase failed: ${results.webhooks.error}`);
  }
}

function webhookChecks(r: BenchResults, out: Check[], fail: Fail): void {
  const w = r.webhooks?.result;
  if (!w) {
    fail('Webhook deliveries/s (local receiver)', '', r.webhooks?.error);
    return;
  }
  out.push({ name: `Webhook deliveries/s, handler to local receiver (n=${w.deliveries}, concurrency ${w.concurrency})`,
    value: `${Math.round(w.deliveriesPerSec).toLocaleString('en-US')} (p50 ${w.p50Ms.toFixed(1)} ms, p99 ${w.p99Ms.toFixed(1)} ms)`, budget: '', pass: null });
  out.push({ name: 'Webhook deliveries received, none failed', value: `${w.received} received, ${w.failed} failed`, budget: `${w.deliveries}, 0`, pass: w.received === w.deliveries && w.failed === 0 });
}
