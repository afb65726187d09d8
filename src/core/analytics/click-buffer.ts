import type { CapturedClick } from './click.js';
import { INGEST_BATCH } from './click-ingest.js';
import type { ClickSink } from './ports.js';

export interface ClickBufferOptions {
  /** Clicks per write. */
  batchSize?: number;
  /** Longest a click waits before its batch is written, in ms. */
  intervalMs?: number;
  /** Most clicks held while the sink is slow or down; beyond it new clicks are dropped (counted). */
  capacity?: number;
  /**
   * Batches written at once. 1 (the default) suits a database sink: one ingest transaction at a
   * time. A Redis stream sink pipelines its XADDs on one connection, so a turn's held responses
   * need not wait behind the previous turn's acknowledgement.
   */
  concurrentWrites?: number;
  /** Told of each failed write (the batch is kept and retried on the next tick). */
  onError?: (error: unknown) => void;
}

export interface ClickBufferStats {
  buffered: number;
  written: number;
  dropped: number;
}

/**
 * The hot path's only click work: push the captured click into memory. A timer (or a full
 * batch) hands batches to the sink. A failed write keeps its batch at the front, in order,
 * for the next attempt.
 *
 * Overflow policy: while the sink cannot keep up, clicks accumulate up to `capacity`; past
 * it, new clicks are dropped and counted in `dropped` (the redirect itself is still served).
 * Memory stays bounded (~1 KB per click at most, usually far less) whatever the outage.
 */
export class ClickBuffer {
  private items: CapturedClick[] = [];
  /** Parallel to items: called once the click's batch is written (or its write failed). */
  private waiters: ((() => void) | undefined)[] = [];
  private waiting = 0;
  private readonly pendingByLink = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  /** Writes in progress; each settles with its error, or null once written. */
  private readonly writes = new Set<Promise<unknown>>();
  private soon = false;
  private inFlight = 0;
  private written = 0;
  private dropped = 0;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly capacity: number;
  private readonly concurrentWrites: number;

  constructor(private readonly sink: ClickSink, private readonly options: ClickBufferOptions = {}) {
    this.batchSize = options.batchSize ?? INGEST_BATCH;
    this.intervalMs = options.intervalMs ?? 1000;
    this.capacity = options.capacity ?? 200_000;
    this.concurrentWrites = Math.max(1, options.concurrentWrites ?? 1);
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /**
   * `onWritten`, when given, is called once the click's batch has been written, so the caller
   * can hold the visitor's response until its click is durable (the Redis stream mode). Such
   * clicks are written on the next turn of the event loop, together with the others of the
   * same turn. If the write fails the callback still runs (availability first) and the click
   * stays buffered for the next attempt.
   */
  capture(click: CapturedClick, onWritten?: () => void): void {
    if (this.items.length >= this.capacity) {
      this.dropped++;
      onWritten?.();
      return;
    }
    this.items.push(click);
    this.waiters.push(onWritten);
    this.pendingByLink.set(click.linkId, (this.pendingByLink.get(click.linkId) ?? 0) + 1);
    if (onWritten) {
      this.waiting++;
      this.scheduleSoon();
      return;
    }
    // A full batch is written soon, but never from inside the request that filled it.
    if (this.items.length >= this.batchSize && this.timer) this.scheduleSoon();
  }

  private scheduleSoon(): void {
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => { this.soon = false; this.tick(); });
  }

  /** Clicks captured for the link and not yet counted by storage: a link loaded from storage adds them. */
  pending(linkId: string): number {
    return (this.pendingByLink.get(linkId) ?? 0) + (this.sink.pending?.(linkId) ?? 0);
  }

  stats(): ClickBufferStats {
    return { buffered: this.items.length + this.inFlight, written: this.written, dropped: this.dropped };
  }

  /** Writes every click captured before the call; rejects (keeping the rest) if a write fails. */
  async flush(): Promise<void> {
    const target = this.written + this.inFlight + this.items.length;
    while (this.written < target) {
      if (this.items.length > 0 && this.writes.size < this.concurrentWrites) {
        this.startWrite();
        continue;
      }
      if (this.writes.size === 0) return;
      const error = await Promise.race(this.writes);
      if (error !== null) throw error;
    }
  }

  /** Stops the timer and drains: a graceful stop loses no click unless the sink stays down. */
  async close(attempts = 5, retryMs = 500): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.flush();
        return;
      } catch (error) {
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryMs));
      }
    }
  }

  /** Starts what the free write slots allow: the timer's batch, a full batch, or a turn's held clicks. */
  private tick(): void {
    while (this.items.length > 0 && this.writes.size < this.concurrentWrites) {
      this.startWrite().then((error) => { if (error !== null) this.options.onError?.(error); });
    }
  }

  /** Writes the oldest batch; settles with the error (the batch back at the front, in order) or null. */
  private startWrite(): Promise<unknown> {
    const batch = this.items.splice(0, this.batchSize);
    const waiters = this.waiters.splice(0, batch.length);
    this.inFlight += batch.length;
    const release = () => {
      for (const waiter of waiters) {
        if (waiter) { this.waiting--; waiter(); }
      }
    };
    const write: Promise<unknown> = this.sink.write(batch).then(() => {
      release();
      this.written += batch.length;
      for (const click of batch) {
        const left = this.pendingByLink.get(click.linkId)! - 1;
        if (left === 0) this.pendingByLink.delete(click.linkId);
        else this.pendingByLink.set(click.linkId, left);
      }
      return null;
    }, (error: unknown) => {
      release();
      this.items = batch.concat(this.items);
      this.waiters = (new Array(batch.length) as ((() => void) | undefined)[]).concat(this.waiters);
      return error ?? new Error('click write failed');
    }).then((outcome) => {
      this.writes.delete(write);
      this.inFlight -= batch.length;
      // Held responses must not wait for the timer, nor (while the sink works) a backlog of full batches.
      if (this.waiting > 0 || (outcome === null && this.items.length >= this.batchSize)) this.scheduleSoon();
      return outcome;
    });
    this.writes.add(write);
    return write;
  }
}
