import type { ClickSpoolWriter } from '../adapters/clicks/click-spool-writer.js';
import type { DatabaseHandle } from '../adapters/db/database.js';
import type { ClickEvent } from '../core/analytics/click.js';

export interface SpoolIngestInput {
  /** Clicks read from the spool at most. */
  max: number;
  /** The first segment the serving side wrote (its pending counts start there). */
  countFrom: number;
}

export interface SpoolIngestOutput {
  read: number;
  /** Lines of a crashed writer's torn tail, skipped. */
  skipped: number;
  /** Events stored now (not those a crash made ingest read twice). */
  stored: ClickEvent[];
  /** Clicks of this process's segments read and stored, by link. */
  byLink: [string, number][];
  /** The batch was full: more may be waiting. */
  more: boolean;
}

/**
 * Clicks per run on the PGlite thread. Smaller than a direct ingest batch: the API's queries
 * wait while a run holds the connection, and the thread runs at low priority under load.
 */
const SPOOL_BATCH = 5_000;
/** Like the direct buffer's flush interval: a quiet spool is looked at once a second, a busy one without pause. */
const IDLE_POLL_MS = 1000;
/** While serving is busy, how often ingest looks again. */
const BUSY_POLL_MS = 200;
/**
 * Longest ingest defers to busy serving. Past it ingest runs whatever the load, so sustained
 * overload is served at the pace ingest keeps, and analytics never fall further behind.
 */
export const MAX_DEFER_MS = 30_000;
/** Event-loop utilisation of the serving thread above which it counts as busy. */
const BUSY_UTILISATION = 0.5;
/** The serving thread's utilisation is sampled this often: a burst is noticed within about this long. */
const LOAD_WINDOW_MS = 100;

/** Tells ingest whether serving is busy now. */
export interface ServingLoad {
  busy(): boolean;
  stop(): void;
}

/**
 * The serving thread's event-loop utilisation over the last LOAD_WINDOW_MS, sampled by a timer,
 * and over the part of the current window that has passed. Ingest looks after sleeping up to a
 * second: the utilisation since its previous look would still be low for a burst that began
 * a moment ago, and the batch it then ran took the CPU from the burst's first redirects
 * (BENCHMARKS.md, session 9).
 */
export function eventLoopLoad(threshold = BUSY_UTILISATION, windowMs = LOAD_WINDOW_MS): ServingLoad {
  const elu = performance.eventLoopUtilization.bind(performance);
  let mark = elu();
  let lastWindow = 0;
  const timer = setInterval(() => {
    const now = elu();
    lastWindow = elu(now, mark).utilization;
    mark = now;
  }, windowMs);
  timer.unref();
  return {
    busy: () => {
      if (lastWindow > threshold) return true;
      const current = elu(elu(), mark);
      // A few milliseconds are too few to judge by: one long task would read as a burst.
      return current.idle + current.active >= windowMs / 4 && current.utilization > threshold;
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * The serving thread's side of embedded ingest: runs the thread's task until the spool is
 * drained, then looks again a second later. Its first look is a second after start (so
 * start-up's queries do not wait behind it): a spool a crashed process left behind is stored
 * on the next start.
 *
 * Ingest yields to a burst of redirects: while the serving thread is busy it waits, up to
 * MAX_DEFER_MS behind its oldest spooled click, and catches up once the burst is over. On two
 * cores, ingest running beside a busy serving thread took half of the redirect throughput
 * even at the lowest thread priority (BENCHMARKS.md, session 7): the cores share caches
 * (and are often one core's two hyper-threads), which no scheduler priority changes.
 */
export class SpoolIngest {
  private running: Promise<void> | null = null;
  private stopped = false;
  private wakeUp: (() => void) | null = null;
  private runs = 0;
  private lastError: unknown = null;

  constructor(private readonly deps: {
    handle: DatabaseHandle;
    writer: ClickSpoolWriter;
    notify: (stored: ClickEvent[]) => void;
    onError: (error: unknown) => void;
    onSkipped?: (lines: number) => void;
    /** Whether serving is busy (default: the event loop's recent utilisation, see eventLoopLoad); stopped with the loop. */
    load?: ServingLoad;
    now?: () => number;
    /** Wait before the first run (default a second). */
    firstLookMs?: number;
  }) {
    this.load = deps.load ?? eventLoopLoad();
    this.now = deps.now ?? Date.now;
  }

  private readonly load: ServingLoad;
  private readonly now: () => number;
  private deferrals = 0;
  /** When ingest first waited without having caught up since; null once a run found the spool drained. */
  private behindSince: number | null = null;

  /** Times ingest waited for a burst of redirects to pass (metrics, tests). */
  deferred(): number {
    return this.deferrals;
  }

  /**
   * Serving is busy and ingest is behind by less than MAX_DEFER_MS: since the oldest click
   * this process spooled, or (a crashed process's spool) since ingest first waited.
   */
  private shouldDefer(): boolean {
    if (this.stopped || !this.load.busy()) return false;
    const now = this.now();
    this.behindSince ??= now;
    return now - Math.min(this.deps.writer.oldestPendingAt() ?? now, this.behindSince) < MAX_DEFER_MS;
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** One run: stores a batch; true when the spool may hold more. */
  async step(): Promise<boolean> {
    const input: SpoolIngestInput = { max: SPOOL_BATCH, countFrom: this.deps.writer.firstSegment };
    const output = await this.deps.handle.runTask!(input) as SpoolIngestOutput;
    this.runs++;
    this.deps.writer.stored(output.byLink);
    if (output.skipped > 0) this.deps.onSkipped?.(output.skipped);
    if (output.stored.length > 0) this.deps.notify(output.stored);
    return output.more;
  }

  /** Stores everything spooled so far (graceful stop). Rejects if a run fails. */
  async drain(): Promise<void> {
    while (await this.step()) { /* until a run finds less than a batch */ }
  }

  /** Stops the loop, then drains: clicks written before the call are stored. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.load.stop();
    this.wakeUp?.();
    await this.running;
    await this.drain();
  }

  private async loop(): Promise<void> {
    // Not before the process is up: start-up's own queries would wait behind a run.
    await this.sleep(this.deps.firstLookMs ?? IDLE_POLL_MS);
    while (!this.stopped) {
      if (this.shouldDefer()) {
        this.deferrals++;
        await this.sleep(BUSY_POLL_MS);
        continue;
      }
      let more = false;
      try {
        more = await this.step();
        this.lastError = null;
        if (!more) this.behindSince = null;
      } catch (error) {
        // Logged once per outage, not once per poll.
        if (this.lastError === null) this.deps.onError(error);
        this.lastError = error;
      }
      if (more || this.stopped) continue;
      await this.sleep(IDLE_POLL_MS);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => { this.wakeUp = null; resolve(); }, ms);
      timer.unref();
      this.wakeUp = () => { clearTimeout(timer); this.wakeUp = null; resolve(); };
    });
  }
}
