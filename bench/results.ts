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
  redirect: {
    error?: string;
    warmups: LoadRun[];
    runs: LoadRun[];
    baselineReqPerSec?: number;
    curtReqPerSec?: number;
    ratio?: number;
    /** Curt / baseline of each round (adjacent runs): shows how much the ratio drifts. */
    roundRatios?: number[];
    /** Median server CPU time per redirect, in microseconds. */
    baselineCpuUsPerReq?: number;
    curtCpuUsPerReq?: number;
    /** Highest share of the machine other processes used during a measured run (% of one core). */
    maxOtherCpuPct?: number;
    allCorrect?: boolean;
    clicks?: { counted: number; redirectsReceived: number; maxInFlightAtStop: number; ok: boolean };
  };
  coldStart: { error?: string; freshDataDirReadyMs?: number; readyMs: number[]; medianMs?: number };
  embeddedIdleRss: { error?: string; mb: number[]; medianMb?: number };
  postgres: { skipped?: string; error?: string; version?: string; firstStartReadyMs?: number; readyMs?: number; idleRssMb?: number };
  /** SPEC §7 link creation and list/search latency with `stored` links, on PostgreSQL. */
  links: { skipped?: string; error?: string; version?: string; database?: string; stored?: number; seed?: SeedResult; kinds: LatencyKind[] };
  checks: Check[];
}

export interface Check {
  name: string;
  value: string;
  budget: string;
  pass: boolean | null;
}
