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
 * Load shedding under event-loop pressure: a timer samples node's event-loop delay histogram;
 * while the mean delay of the last window exceeds the limit, `overloaded` is true and requests
 * (API and redirects alike, never health or metrics) get 503 `overloaded` with Retry-After
 * rather than queueing behind a stalled loop. Reading `overloaded` is a field read.
 */
export class LoadShedder {
  readonly retryAfterSeconds: number;
  /** Times the sampler found the loop over the limit (a gauge of how often shedding kicked in). */
  overloadedWindows = 0;
  /** Requests Fastify answered with 503 overloaded (the hot path counts its own in RedirectStats). */
  shedRequests = 0;
  /** Mean delay of the last window, in ms (metrics). */
  lastDelayMs = 0;
  private flag = false;
  private readonly histogram: IntervalHistogram | null;
  private timer: NodeJS.Timeout | null = null;

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
    this.lastDelayMs = mean;
    this.flag = mean > (this.options.maxEventLoopDelayMs ?? 1000);
    if (this.flag) this.overloadedWindows++;
  }
}

/** Fastify's share: every route but health and metrics answers 503 while overloaded. */
export function registerLoadShedding(app: FastifyInstance, shedder: LoadShedder, origin: string): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!shedder.overloaded || EXEMPT.has(request.routeOptions.url ?? '')) return;
    shedder.shedRequests++;
    return sendProblem(reply, problem(origin, 'overloaded', 'the server is overloaded; try again shortly'), shedder.retryAfterSeconds);
  });
}
