import { PHASES } from './config.js';
import type { LoadRun } from './load.js';
import { inFlightLabel, type BenchResults, type RedirectResult } from './results.js';

function table(headers: string[], rows: string[][], rightAlign: (col: number) => boolean): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (rightAlign(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, i) => (rightAlign(i) ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** Above this, other processes' CPU use during a measured run makes its figures suspect. */
const BUSY_PCT = 15;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (n: number, digits = 1) => n.toFixed(digits);

/** One phase's load runs as a table (warm-ups first), with a warning when other processes disturbed a measured run. */
function loadRunsSection(title: string, result: RedirectResult, nproc: number, extra: Array<LoadRun & { label: string }> = []): string[] {
  const runs = [...result.warmups.map((w) => ({ ...w, label: 'warm-up' })), ...result.runs.map((w, i) => ({ ...w, label: `run ${i + 1}` })), ...extra];
  if (runs.length === 0) return [];
  const out = ['', title, ''];
  out.push(table(
    ['Run', 'Server', 'req/s', 'Responses', '302s', 'Errors', 'Timeouts', 'p50 ms', 'p99 ms', 'Server CPU %', 'Server µs/req', 'Loader CPU %', 'Other CPU %'],
    runs.map((x) => [x.label, x.target, int(x.reqPerSec), int(x.responses), int(x.status3xx), String(x.errors), String(x.timeouts),
      String(x.latencyMs.p50), String(x.latencyMs.p99), fixed(x.serverCpuPct), fixed(x.serverCpuUsPerReq), fixed(x.loaderCpuPct), fixed(x.otherCpuPct)]),
    (col) => col >= 2,
  ));
  if (result.maxOtherCpuPct !== undefined && result.maxOtherCpuPct > BUSY_PCT) {
    out.push('');
    out.push(`WARNING: other processes used up to ${result.maxOtherCpuPct.toFixed(0)}% of a core during a measured load run (this machine has ${nproc}); the throughput figures are disturbed. Re-run on a quiet machine.`);
  }
  return out;
}

/** The summary and per-run tables, as Markdown (readable on a terminal as well). */
export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  out.push(`Curt benchmark, ${r.date}`);
  out.push(`Machine: ${r.machine.nproc} CPUs (${r.machine.cpu}), ${r.machine.memGb} GB RAM, Node ${r.machine.node}, Linux ${r.machine.kernel}; load average at start ${r.machine.loadAvgAtStart.join(' / ')}`);
  out.push(`Source: commit ${r.source.commit}${r.source.modified.length > 0 ? ` + uncommitted changes to ${r.source.modified.join(', ')}` : ''}`);
  out.push('');
  out.push(table(['Check', 'Measured', 'Budget', 'Result'],
    r.checks.map((c) => [c.name, c.value, c.budget, c.pass === null ? 'info' : c.pass ? 'PASS' : 'FAIL']), () => false));
  out.push(...loadRunsSection('Redirect load runs (in the order they ran; warm-ups are not counted):', r.redirect, r.machine.nproc));
  if (r.balanced.runs.length > 0) {
    const lb = `${r.balanced.nginx ?? 'nginx'} running deploy/nginx.conf (${r.balanced.nginxWorkers ?? '?'} workers)`;
    out.push(...loadRunsSection(`Redirect load runs behind ${lb}: "baseline" is two bare baselines behind it, "curt" two --role redirect processes; server CPU sums nginx and both backends. In the order they ran; warm-ups are not counted, nor the last run straight at one baseline:`,
      r.balanced, r.machine.nproc, r.balanced.directBaseline ? [{ ...r.balanced.directBaseline, label: 'reference' }] : []));
  }
  if (r.links.kinds.length > 0) {
    out.push('');
    out.push(`API requests with ${(r.links.stored ?? 0).toLocaleString('en-US')} links stored (PostgreSQL ${r.links.version ?? '?'}), one at a time over one keep-alive connection; warm-ups not counted:`);
    out.push('');
    out.push(table(
      ['Kind', 'Requests', 'Warm-ups', 'Wrong', 'p50 ms', 'p99 ms', 'max ms', 'mean ms', 'p99 budget ms', 'Request'],
      r.links.kinds.map((k) => [k.name, int(k.measured), String(k.warmups), String(k.wrong), fixed(k.p50Ms), fixed(k.p99Ms), fixed(k.maxMs), fixed(k.meanMs), String(k.budgetP99Ms), k.label]),
      (col) => col >= 1 && col <= 8,
    ));
    out.push('');
    for (const k of r.links.kinds) if (k.slowest) out.push(`Slowest ${k.name}: ${k.slowest}`);
    const wrong = r.links.kinds.filter((k) => k.firstWrong !== undefined);
    for (const k of wrong) out.push(`Wrong answer (${k.name}), the first: ${k.firstWrong}`);
    const limited = r.links.kinds.filter((k) => k.timeLimited);
    if (limited.length > 0) out.push(`Stopped at the per-kind time limit (not all requests sent): ${limited.map((k) => `${k.name} ${k.measured} of ${k.planned}`).join(', ')}`);
    if (r.links.seed) {
      out.push(`Seeded: table ${fixed(r.links.seed.tableMb, 0)} MB, indexes ${fixed(r.links.seed.indexesMb, 0)} MB (dropped for the load and built again: ${r.links.seed.indexesRebuilt.join(', ')})`);
    }
  }
  if (r.ingest.runs.length > 0) {
    out.push('');
    out.push(`Click ingest into PostgreSQL ${r.ingest.version ?? '?'}${r.ingest.settings ? ` (${r.ingest.settings})` : ''} through ClickIngest (salt, enricher, SqlClickStore), clicks generated beforehand and held as click-stream entries (JSON, 50 clicks each), decoded in the timed loop; warm-up not counted:`);
    out.push('');
    const runs = [...(r.ingest.warmup ? [{ ...r.ingest.warmup, label: 'warm-up' }] : []), ...r.ingest.runs.map((x) => ({ ...x, label: `${inFlightLabel(x.loops)}${x.denseHour ? ', late in a busy hour' : ''}` }))];
    out.push(table(['Run', 'Clicks', 'Seconds', 'Clicks/s', 'Batches', 'Batch p50 ms', 'Batch p99 ms', 'Batch max ms'],
      runs.map((x) => [x.label, int(x.clicks), fixed(x.seconds), int(x.clicksPerSec), int(x.batches), fixed(x.batchP50Ms, 0), fixed(x.batchP99Ms, 0), fixed(x.batchMaxMs, 0)]),
      (col) => col >= 1));
  }
  if (r.analytics.kinds.length > 0 || r.analytics.seed) {
    const seed = r.analytics.seed;
    out.push('');
    if (seed) {
      out.push(`Analytics: ${int(seed.clicks)} clicks (${int(seed.humanClicks)} not bots) over ${seed.days} days on ${int(seed.links)} links, seeded by curt seed-clicks (${seed.via}) into PostgreSQL ${r.analytics.version ?? '?'}; `
        + `raw clicks ${fixed(seed.sizesMb.clicks, 0)} MB, hourly rollups ${fixed(seed.sizesMb.hourly, 0)} MB${seed.hourlyRows ? ` (${int(seed.hourlyRows)} rows)` : ''}, daily rollups ${fixed(seed.sizesMb.daily, 0)} MB, weekly rollups ${fixed(seed.sizesMb.weekly, 0)} MB. `
        + `Asked for ${seed.from} .. ${seed.to}, one request at a time over one keep-alive connection; warm-ups not counted:`);
    }
    out.push('');
    out.push(table(
      ['Kind', 'Requests', 'Warm-ups', 'Wrong', 'p50 ms', 'p99 ms', 'max ms', 'mean ms', 'p99 budget ms', 'Request'],
      r.analytics.kinds.map((k) => [k.name, int(k.measured), String(k.warmups), String(k.wrong), fixed(k.p50Ms), fixed(k.p99Ms), fixed(k.maxMs), fixed(k.meanMs), String(k.budgetP99Ms), k.label]),
      (col) => col >= 1 && col <= 8,
    ));
    const wrong = r.analytics.kinds.filter((k) => k.firstWrong !== undefined);
    if (wrong.length > 0) out.push('');
    for (const k of wrong) out.push(`Wrong answer (${k.name}), the first: ${k.firstWrong}`);
  }
  const errors = [['redirect', r.redirect.error], ['balanced', r.balanced.error], ['cold start', r.coldStart.error], ['idle RSS', r.embeddedIdleRss.error], ['postgres', r.postgres.error], ['links', r.links.error],
    ['ingest', r.ingest.error], ['analytics', r.analytics.error]]
    .filter(([, e]) => e !== undefined);
  if (errors.length > 0) {
    out.push('');
    for (const [what, e] of errors) out.push(`ERROR (${what}): ${e}`);
  }
  if (r.postgres.skipped) {
    out.push('');
    out.push(`Note: PostgreSQL idle RSS skipped: ${r.postgres.skipped}`);
  }
  if (r.links.skipped) {
    out.push('');
    out.push(`Note: link creation/list/search at 1 M links skipped: ${r.links.skipped}`);
  }
  for (const [what, skipped] of [['click ingest', r.ingest.skipped], ['analytics over 10 M clicks', r.analytics.skipped]] as const) {
    if (!skipped) continue;
    out.push('');
    out.push(`Note: ${what} skipped: ${skipped}`);
  }
  if (r.phases.length < PHASES.length) {
    out.push('');
    out.push(`Note: only the phases ${r.phases.join(', ')} ran (BENCH_ONLY); this is a trial run, not the documented method.`);
  }
  return out.join('\n');
}
