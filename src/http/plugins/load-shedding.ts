import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { problem, sendProblem } from '../problems.js';

export interface LoadSheddingOptions {
  /** Mean event-loop delay over a sample window above which requests are shed, in ms; 0 turns shedding off (default 1000). */
  maxEventLoopDelayMs?: number;
  /** Sample window (default 500 ms). */
  sampleMs?: number;
  /** Retry-After of a shed request, in seconds (default 5). */
  retryAfterSeconds?: number;
  /** Tests: decides "overloaded" instead of the event-loop measurement. */
  pressure?: () => boolean;
}

/** Never shed: load balancers and Prometheus must see an overloaded process as alive. */
const EXEMPT = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * CPU time over wall time below which a delayed window is a stall (the process was not running),
 * not load. Low, because a loop stalled by work on a contended host gets only its share of a
 * core (a busy loop measured 30-50% beside a test run on two cores), while a stopped process
 * gets none: a 5 s stop leaves a 500 ms window under 10% even if it was busy before.
 */
const MIN_BUSY_SHARE = 0.2;

/**
 * Load shedding under event-loop pressure: a timer samples node's event-loop delay histogram;
 * while the mean delay of the last window exceeds the limit, `overloaded` is true and requests
 * (API and redirects alike, never health or metrics) get 503 `overloaded` with Retry-After
 * rather than queueing behind a stalled loop. Reading `overloaded` is a field read.
 *
 * A window in which the process hardly ran is a stall, not load: a stopped process (SIGSTOP, a
 * debugger), a paused VM or a laptop asleep resumes with one huge delay in its histogram, and
 * used to shed the first requests after it, though nothing was queued by work. Load keeps the
 * process running; so the window counts only if the process's CPU time over it is at least
 * MIN_BUSY_SHARE of the wall time. A loop blocked on synchronous I/O reads as a stall too.
 */
export class LoadShedder {
  readonly retryAfterSeconds: number;
  /** Times the sampler found the loop over the limit (a gauge of how often shedding kicked in). */
  overloadedWindows = 0;
  /** Requests Fastify answered with 503 overloaded (the hot path counts its own in RedirectStats). */
  shedRequests = 0;
  /** Mean delay of the last window, in ms (metrics). */
  lastDelayMs = 0;
  /** Windows over the limit in which the process hardly ran (stopped, VM paused): not shed. */
  stalledWindows = 0;
  private flag = false;
  private readonly histogram: IntervalHistogram | null;
  private timer: NodeJS.Timeout | null = null;
  private windowStart = { wallMs: 0, cpuUs: 0 };

  constructor(private readonly options: LoadSheddingOptions = {}) {
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
    const enabled = (options.maxEventLoopDelayMs ?? 1000) > 0 && !options.pressure;
    this.histogram = enabled ? monitorEventLoopDelay({ resolution: 20 }) : null;
  }

  get overloaded(): boolean {
    return this.options.pressure ? this.options.pressure() : this.flag;
  }

  start(): void {
    if (!this.histogram || this.timer) return;
    this.histogram.enable();
    this.windowStart = usage();
    this.timer = setInterval(() => this.sample(), this.options.sampleMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.histogram?.disable();
  }

  private sample(): void {
    const histogram = this.histogram!;
    // The histogram counts the sampling resolution itself as delay: subtract it, as @fastify/under-pressure does.
    const mean = histogram.count > 0 ? Math.max(0, histogram.mean / 1e6 - 20) : 0;
    histogram.reset();
    const now = usage();
    const busyShare = (now.cpuUs - this.windowStart.cpuUs) / 1000 / Math.max(1, now.wallMs - this.windowStart.wallMs);
    this.windowStart = now;
    this.lastDelayMs = mean;
    const delayed = mean > (this.options.maxEventLoopDelayMs ?? 1000);
    this.flag = delayed && busyShare >= MIN_BUSY_SHARE;
    if (this.flag) this.overloadedWindows++;
    else if (delayed) this.stalledWindows++;
  }
}

/** Wall-clock ms and the process's CPU µs (every thread), now. */
function usage(): { wallMs: number; cpuUs: number } {
  const cpu = process.cpuUsage();
  return { wallMs: performance.now(), cpuUs: cpu.user + cpu.system };
}

/** Fastify's share: every route but health and metrics answers 503 while overloaded. */
export function registerLoadShedding(app: FastifyInstance, shedder: LoadShedder, origin: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!shedder.overloaded || EXEMPT.has(request.routeOptions.url ?? '')) return;
    shedder.shedRequests++;
    return sendProblem(reply, problem(origin, 'overloaded', 'the server is overloaded; try again shortly'), shedder.retryAfterSeconds);
  });
}
