import { ANALYTICS_KIND_TITLES } from './analytics-bench.js';
import { BUDGETS, SETTINGS } from './config.js';
import { inFlightLabel, type BenchResults, type Check } from './results.js';

/** Records a budget that could not be measured (skipped parts are reported by the caller). */
export type Fail = (name: string, budget: string, error: string | undefined) => void;

/** Rows of the summary table for the click ingest phase. */
export function ingestChecks(g: BenchResults['ingest'], out: Check[], fail: Fail): void {
  const budget = `>= ${BUDGETS.ingestClicksPerSec.toLocaleString('en-US')} clicks/s`;
  if (g.skipped) {
    out.push({ name: 'Click ingest into PostgreSQL', value: 'skipped (no PostgreSQL)', budget, pass: null });
    return;
  }
  const rate = (x: number) => Math.round(x).toLocaleString('en-US');
  for (const run of g.runs) {
    out.push({
      name: `Click ingest into PostgreSQL, ${inFlightLabel(run.loops)}${run.denseHour ? ', late in a busy hour' : ''} (${SETTINGS.ingestPhase.batch.toLocaleString('en-US')}-click batches, ${run.seconds.toFixed(0)} s)`,
      value: `${rate(run.clicksPerSec)} clicks/s (batch p50 ${run.batchP50Ms.toFixed(0)} ms, p99 ${run.batchP99Ms.toFixed(0)} ms)${run.ranOut ? '; ran out of generated clicks' : ''}`,
      budget, pass: run.clicksPerSec >= BUDGETS.ingestClicksPerSec,
    });
  }
  if (g.check) {
    const c = g.check;
    out.push({ name: 'Ingest: clicks sent = raw rows = links.clicks = rollup totals', value: `${rate(c.sent)} = ${rate(c.rawRows)} = ${rate(c.linkClicks)} = ${rate(c.rollupClicks)}`, budget: 'all equal', pass: c.ok });
  }
  if (g.dailyRoll) {
    const d = g.dailyRoll;
    out.push({ name: 'Ingest: daily rows built once the day is closed (DailyRollups)', value: `${d.days} day(s), ${rate(d.clicks)} clicks: ${d.ms.toFixed(0)} ms (${(d.ms * 1000 / d.clicks).toFixed(2)} µs per click)`, budget: 'reported', pass: null });
  }
  if (g.error !== undefined || g.runs.length < SETTINGS.ingestPhase.loops.length) fail('Click ingest into PostgreSQL', budget, g.error);
}

/** Rows of the summary table for the analytics phase. */
export function analyticsChecks(a: BenchResults['analytics'], out: Check[], fail: Fail): void {
  const clicks = SETTINGS.analyticsPhase.clicks.toLocaleString('en-US');
  const budget = `p99 < ${BUDGETS.analyticsP99Ms} ms, all right`;
  if (a.skipped) {
    out.push({ name: `Analytics over ${clicks} clicks`, value: 'skipped (no PostgreSQL)', budget, pass: null });
    return;
  }
  if (a.seed) {
    const sec = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(0)} s`;
    const detail = a.seed.loadMs === undefined ? a.seed.via : `rows ${sec(a.seed.loadMs)} / indexes ${sec(a.seed.indexMs)} / weekly rows ${sec(a.seed.weeklyMs)} / vacuum ${sec(a.seed.vacuumMs)}`;
    out.push({ name: `Seed ${a.seed.clicks.toLocaleString('en-US')} clicks over ${a.seed.days} days, curt seed-clicks (${a.seed.via})`,
      value: `${sec(a.seed.ms)} (${Math.round(a.seed.clicks / (a.seed.ms / 1000)).toLocaleString('en-US')}/s; ${detail})`, budget: '', pass: null });
  }
  const ms = (x: number) => x.toFixed(1);
  for (const k of a.kinds) {
    const notes = [k.wrong > 0 ? `${k.wrong} wrong answers` : '', k.timeLimited ? `time limit: ${k.measured} of ${k.planned} sent` : ''].filter(Boolean);
    out.push({
      name: `At ${clicks} clicks: ${ANALYTICS_KIND_TITLES[k.name] ?? k.name} (n=${k.measured})`,
      value: `p99 ${ms(k.p99Ms)} ms (p50 ${ms(k.p50Ms)}, max ${ms(k.maxMs)})${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
      budget, pass: k.measured > 0 && k.p99Ms < k.budgetP99Ms && k.wrong === 0,
    });
  }
  if (a.error !== undefined || a.kinds.length < Object.keys(ANALYTICS_KIND_TITLES).length) {
    fail(`Analytics over ${clicks} clicks: ${Object.keys(ANALYTICS_KIND_TITLES).length - a.kinds.length} kinds of request`, budget, a.error);
  }
}
