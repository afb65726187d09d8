import type { CapturedClick, ClickEvent } from './click.js';

/** Where the hot path's buffer hands its batches: straight to ingest, or a durable stream first. */
export interface ClickSink {
  /** Resolves once the batch is durable (stored, or accepted by the stream); rejects to keep it. */
  write(batch: CapturedClick[]): Promise<void>;
  /** Clicks of the link the sink accepted and storage does not count yet (a local spool's backlog). */
  pending?(linkId: string): number;
}

/** A batch of click events with its writes worked out (the store's own type beyond `events`). */
export interface PreparedClicks {
  readonly events: readonly ClickEvent[];
}

/**
 * Durable storage of click events with their rollups and per-link counters. Preparing (CPU)
 * and writing (the database) are apart so that a batch can be prepared while the one before
 * it is being written.
 */
export interface ClickStore {
  /** Works out a batch's writes; yields to the event loop along the way. No I/O. */
  prepare(events: readonly ClickEvent[]): Promise<PreparedClicks>;
  /**
   * Stores the events not stored before (by id), their rollups and the links' click counters,
   * all in one transaction, and returns the events that were new. Redelivered events are
   * skipped, so counts never double.
   */
  write(prepared: PreparedClicks): Promise<ClickEvent[]>;
}

/** The salt of each UTC day's visitor ids, the same for every ingest process. */
export interface VisitorSalts {
  /** `day` is days since the Unix epoch (UTC). Creates the salt on first use. */
  saltFor(day: number): Promise<Uint8Array>;
}

/** Told about every newly stored click (the live /events stream, webhooks). */
export type ClickListener = (events: readonly ClickEvent[]) => void;

/**
 * Writes many click events at once into empty click storage: seeding a database with
 * synthetic traffic. Same stored result as ClickStore.ingest, far fewer round trips.
 */
export interface ClickBulkLoader {
  /**
   * Runs `fill` inside one load of the clicks of [from, to) (epoch ms): all of it is stored,
   * or none. Returns null without calling `fill` when click storage already holds clicks.
   */
  load(range: { from: number; to: number }, fill: (sink: ClickBulkSink) => Promise<void>): Promise<ClickBulkLoadReport | null>;
}

export interface ClickBulkSink {
  /** Events in time order (hour by hour); each id once. */
  write(events: readonly ClickEvent[]): Promise<void>;
}

export interface ClickBulkLoadReport {
  clicks: number;
  hourlyRows: number;
  dailyRows: number;
  /**
   * Writing rows, then building the indexes dropped for the load and the closed days' per-link
   * indexes, then the closed weeks' rows, then VACUUM (ANALYZE), in ms.
   */
  loadMs: number;
  indexMs: number;
  weeklyMs: number;
  vacuumMs: number;
}
