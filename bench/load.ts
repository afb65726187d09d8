import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOAD_ENTRY } from './config.js';
import { startChild, stopChild } from './processes.js';

export interface LoadSpec {
  url: string;
  /** The server's processes (one, or e.g. a load balancer and its backends), whose CPU times are read from /proc during the run and summed. */
  serverPids: number[];
  links: number;
  connections: number;
  durationS: number;
  resultFile: string;
}

/** What the generator process reports; CPU figures cover autocannon's start to its result. */
export interface LoadSummary {
  /** autocannon's average of per-second request counts. */
  reqPerSec: number;
  /** From autocannon's 'start' to its result (the duration plus up to one sampling tick). */
  windowMs: number;
  responses: number;
  status3xx: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  resets: number;
  latencyMs: { avg: number; p50: number; p99: number; max: number };
  /** CPU of the server processes over the window, as % of one core. */
  serverCpuPct: number;
  /** Server CPU time per response, in microseconds. */
  serverCpuUsPerReq: number;
  loaderCpuPct: number;
  /** CPU used meanwhile by every other process on the machine, plus hypervisor steal (% of one core): noise. */
  otherCpuPct: number;
}

export interface LoadRun extends LoadSummary {
  target: string;
  /** Every response a 302, no errors or timeouts. */
  correct: boolean;
}

/** One load run against the server of serverPid, with the generator in its own process. */
export async function runLoad(target: string, spec: Omit<LoadSpec, 'resultFile'>, logDir: string, runId: string): Promise<LoadRun> {
  const resultFile = join(logDir, `load-${runId}.json`);
  const child = startChild(`load ${runId}`, [LOAD_ENTRY, JSON.stringify({ ...spec, resultFile })], { logFile: join(logDir, `load-${runId}.log`) });
  const timeout = setTimeout(() => { void stopChild(child, 2000); }, (spec.durationS + 60) * 1000);
  const how = await child.exited;
  clearTimeout(timeout);
  if (how !== 'exit 0') throw new Error(`load generator for ${runId} ended with ${how}; see ${child.logFile}`);
  const summary = JSON.parse(readFileSync(resultFile, 'utf8')) as LoadSummary;
  const codes = Object.keys(summary.statusCodes);
  return {
    target,
    ...summary,
    correct: summary.responses > 0 && summary.status3xx === summary.responses && summary.non2xx === summary.responses
      && codes.length === 1 && codes[0] === '302' && summary.errors === 0 && summary.timeouts === 0,
  };
}
