import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root; this file runs compiled, from dist/bench/. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CURT_BIN = resolve(REPO_ROOT, 'bin/curt.js');
/** Compiled siblings of this file, started as their own processes. */
export const BASELINE_ENTRY = fileURLToPath(new URL('./baseline-server.js', import.meta.url));
export const LOAD_ENTRY = fileURLToPath(new URL('./load-worker.js', import.meta.url));
export const RESULTS_DIR = resolve(REPO_ROOT, '.bench');

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Defaults are the documented method; the BENCH_* variables exist for quick trial runs. */
export const SETTINGS = {
  links: intFromEnv('BENCH_LINKS', 1000),
  connections: intFromEnv('BENCH_CONNECTIONS', 50),
  durationS: intFromEnv('BENCH_DURATION_S', 10),
  warmupS: intFromEnv('BENCH_WARMUP_S', 5),
  /** Measured runs per server, alternated baseline, curt, baseline, curt, ... */
  rounds: intFromEnv('BENCH_ROUNDS', 3),
  coldStarts: intFromEnv('BENCH_COLD_STARTS', 3),
  idleMs: 3000,
  readyPollMs: 20,
  readyTimeoutMs: 30_000,
  stopTimeoutMs: 5000,
  /** The whole run is aborted (children stopped) after this. */
  overallTimeoutMs: 4 * 60_000,
  postgresAdminUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
};

export const BUDGETS = {
  redirectRatio: 0.8,
  coldStartMs: 3000,
  embeddedIdleRssMb: 400,
  postgresIdleRssMb: 150,
};
