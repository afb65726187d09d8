import type { Agent } from 'node:http';
import { httpRequest, type HttpResponse } from './http-client.js';
import { percentile } from './stats.js';

/** One API request of a kind, and what its answer must be. */
export interface ApiCall {
  method: 'GET' | 'POST';
  /** Path and query, e.g. /api/v1/links?limit=50 */
  path: string;
  body?: unknown;
  status: number;
  /** Checks an answer that has the right status; returns what is wrong with it, or null. */
  check?(body: unknown): string | null;
}

/** A kind of request, measured one request at a time. */
export interface LatencyKindSpec {
  name: string;
  label: string;
  /** Measured requests (sent after the warm-ups). */
  count: number;
  warmups: number;
  budgetP99Ms: number;
  /** The i-th request of the kind; warm-ups are i = 0 .. warmups - 1. */
  call(i: number): ApiCall;
}

export interface LatencyKind {
  name: string;
  label: string;
  budgetP99Ms: number;
  planned: number;
  warmups: number;
  /** Measured requests sent (fewer than planned only when the kind hit its time limit). */
  measured: number;
  timeLimited: boolean;
  /** Requests (warm-ups included) with a wrong status or answer. */
  wrong: number;
  firstWrong?: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** The slowest measured request, e.g. "GET /api/v1/links?search=spring 151.2 ms": which of the kind's queries is the slow one. */
  slowest?: string;
}

/**
 * Sends the kind's requests strictly one after another over one keep-alive connection
 * (agent), timing each from the call to the last byte of the answer. Answers are parsed
 * and checked after the clock stops. Stops early after timeLimitMs (warm-ups included).
 */
export async function measureKind(spec: LatencyKindSpec, opts: { origin: string; apiKey: string; agent: Agent; timeLimitMs: number; requestTimeoutMs: number }): Promise<LatencyKind> {
  const deadline = performance.now() + opts.timeLimitMs;
  const latencies: number[] = [];
  let wrong = 0;
  let firstWrong: string | undefined;
  let timeLimited = false;
  let slowest = { ms: -1, what: '' };
  for (let i = 0; i < spec.warmups + spec.count; i++) {
    if (performance.now() > deadline) {
      timeLimited = true;
      break;
    }
    const call = spec.call(i);
    const headers: Record<string, string> = { Authorization: `Bearer ${opts.apiKey}` };
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const since = performance.now();
    const res = await httpRequest(`${opts.origin}${call.path}`, { method: call.method, headers, body, agent: opts.agent, timeoutMs: opts.requestTimeoutMs });
    const ms = performance.now() - since;
    if (i >= spec.warmups) {
      latencies.push(ms);
      if (ms > slowest.ms) slowest = { ms, what: `${call.method} ${call.path}` };
    }
    const problem = judge(call, res);
    if (problem !== null) {
      wrong++;
      firstWrong ??= `${call.method} ${call.path}: ${problem}`;
    }
  }
  return {
    name: spec.name,
    label: spec.label,
    budgetP99Ms: spec.budgetP99Ms,
    planned: spec.count,
    warmups: spec.warmups,
    measured: latencies.length,
    timeLimited,
    wrong,
    ...(firstWrong === undefined ? {} : { firstWrong }),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length > 0 ? Math.max(...latencies) : Number.NaN,
    meanMs: latencies.length > 0 ? latencies.reduce((s, x) => s + x, 0) / latencies.length : Number.NaN,
    ...(slowest.ms < 0 ? {} : { slowest: `${slowest.what} ${slowest.ms.toFixed(1)} ms` }),
  };
}

function judge(call: ApiCall, res: HttpResponse): string | null {
  if (res.status !== call.status) return `answered ${res.status}, expected ${call.status}: ${res.body.slice(0, 200)}`;
  if (!call.check) return null;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return `answer is not JSON: ${res.body.slice(0, 200)}`;
  }
  return call.check(body);
}
