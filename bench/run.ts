// `npm run bench`: the SPEC §7 budgets that can be measured on one machine, in one run.
//   1. redirect throughput of Curt vs a bare node:http baseline (same load, alternated)
//   2. embedded cold start on a warm data dir (spawn -> GET /readyz 200)
//   3. idle RSS, embedded and (when reachable) on PostgreSQL
// Prints a table and writes .bench/results.json. Children are stopped on every path.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { BUDGETS, REPO_ROOT, RESULTS_DIR, SETTINGS } from './config.js';
import { newApiKey } from './curt.js';
import { createScratchDatabase, probePostgres, type ScratchDatabase } from './postgres.js';
import { aborted, killAllChildrenNow, refuseNewChildren, stopAllChildren } from './processes.js';
import { benchRedirects } from './redirect-bench.js';
import { renderReport } from './report.js';
import type { BenchResults, Check } from './results.js';
import { median } from './stats.js';
import { measureStartup } from './startup-bench.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const log = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

const logDir = join(RESULTS_DIR, 'logs');
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
const dataDir = mkdtempSync(join(tmpdir(), 'curt-bench-'));
const pgDataDir = mkdtempSync(join(tmpdir(), 'curt-bench-pg-'));
let scratch: ScratchDatabase | null = null;

async function cleanUp(): Promise<void> {
  await stopAllChildren(SETTINGS.stopTimeoutMs);
  if (scratch) await scratch.drop().catch((e: unknown) => log(`could not drop ${scratch?.name}: ${message(e)}`));
  scratch = null;
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(pgDataDir, { recursive: true, force: true });
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
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
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
  redirect: { warmups: [], runs: [] },
  coldStart: { readyMs: [] },
  embeddedIdleRss: { mb: [] },
  postgres: {},
  checks: [],
};

try {
  log(`redirect throughput: ${SETTINGS.links} links, ${SETTINGS.connections} connections, ${SETTINGS.rounds} x ${SETTINGS.durationS} s per server (+${SETTINGS.warmupS} s warm-up)`);
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

  const probe = await probePostgres(SETTINGS.postgresAdminUrl);
  if (!probe.ok) {
    results.postgres.skipped = `PostgreSQL not reachable at ${SETTINGS.postgresAdminUrl.replace(/:[^:@/]*@/, ':***@')} (${probe.reason})`;
    log(results.postgres.skipped);
  } else {
    log(`PostgreSQL ${probe.version}: first start (migrates a fresh database), then a measured warm start`);
    results.postgres.version = probe.version;
    try {
      if (aborted()) throw new Error(aborted()!);
      scratch = await createScratchDatabase(SETTINGS.postgresAdminUrl);
      if (aborted()) await cleanUp();
      const first = await measureStartup({ name: 'curt-pg-first', dataDir: pgDataDir, apiKey, logDir, databaseUrl: scratch.url });
      results.postgres.firstStartReadyMs = first.readyMs;
      const warm = await measureStartup({ name: 'curt-pg-warm', dataDir: pgDataDir, apiKey, logDir, databaseUrl: scratch.url });
      results.postgres.readyMs = warm.readyMs;
      results.postgres.idleRssMb = warm.idleRssMb;
      log(`  warm start: ready in ${warm.readyMs.toFixed(0)} ms, idle RSS ${warm.idleRssMb.toFixed(1)} MB`);
    } catch (error) {
      results.postgres.error = message(error);
      log(`postgres phase failed: ${results.postgres.error}`);
    }
  }
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
  const red = r.redirect;
  const n = `median of ${SETTINGS.rounds}`;
  if (red.ratio !== undefined && red.baselineReqPerSec !== undefined && red.curtReqPerSec !== undefined) {
    out.push({ name: `Redirect req/s, bare node:http baseline (${n})`, value: Math.round(red.baselineReqPerSec).toLocaleString('en-US'), budget: '', pass: null });
    out.push({ name: `Redirect req/s, Curt (${n})`, value: Math.round(red.curtReqPerSec).toLocaleString('en-US'), budget: '', pass: null });
    out.push({ name: 'Redirect ratio Curt / baseline (of the medians)', value: red.ratio.toFixed(3), budget: `>= ${BUDGETS.redirectRatio}`, pass: red.ratio >= BUDGETS.redirectRatio });
    if (red.roundRatios) out.push({ name: 'Ratio per round (curt run / baseline run before it)', value: red.roundRatios.map((x) => x.toFixed(3)).join(', '), budget: '', pass: null });
    if (red.baselineCpuUsPerReq !== undefined && red.curtCpuUsPerReq !== undefined) {
      out.push({ name: `Server CPU per redirect, baseline / Curt (${n})`, value: `${red.baselineCpuUsPerReq.toFixed(1)} µs / ${red.curtCpuUsPerReq.toFixed(1)} µs`, budget: '', pass: null });
    }
    const total = [...red.warmups, ...red.runs].reduce((s, x) => s + x.responses, 0);
    out.push({ name: 'Load responses all 302, no errors/timeouts', value: red.allCorrect ? `yes (${total.toLocaleString('en-US')} responses)` : 'NO (see runs)', budget: 'all', pass: red.allCorrect ?? false });
  } else {
    fail('Redirect ratio Curt / baseline', `>= ${BUDGETS.redirectRatio}`, red.error);
  }
  if (red.clicks) {
    const c = red.clicks;
    out.push({ name: 'Clicks counted by Curt vs redirects received', value: `${c.counted.toLocaleString('en-US')} vs ${c.redirectsReceived.toLocaleString('en-US')} (+${c.counted - c.redirectsReceived})`,
      budget: `counted - received in 0..${c.maxInFlightAtStop}`, pass: c.ok });
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
  if (r.postgres.idleRssMb !== undefined) {
    out.push({ name: 'PostgreSQL mode: warm start until ready', value: `${Math.round(r.postgres.readyMs!)} ms`, budget: '', pass: null });
    out.push({ name: 'PostgreSQL mode: idle RSS', value: `${r.postgres.idleRssMb.toFixed(1)} MB`, budget: `< ${BUDGETS.postgresIdleRssMb} MB`, pass: r.postgres.idleRssMb < BUDGETS.postgresIdleRssMb });
  } else if (r.postgres.skipped) {
    out.push({ name: 'PostgreSQL mode: idle RSS', value: 'skipped (no PostgreSQL)', budget: `< ${BUDGETS.postgresIdleRssMb} MB`, pass: null });
  } else {
    fail('PostgreSQL mode: idle RSS', `< ${BUDGETS.postgresIdleRssMb} MB`, r.postgres.error);
  }
  return out;
}
