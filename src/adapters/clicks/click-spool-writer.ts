import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { CapturedClick } from '../../core/analytics/click.js';
import type { ClickSink } from '../../core/analytics/ports.js';
import { encodeBatch } from './click-spool-codec.js';
import { nextSegment, segmentFile } from './click-spool-files.js';

/** A segment is closed and a new one begun past this size, so ingested clicks' files can be deleted. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
/**
 * Clicks this process may have in the spool, not stored yet, before it drops new ones: ~1.2 GB
 * of disk at ~245 bytes a click, and hours of ingest. Ingest runs within 30 s whatever the load,
 * so only an ingest that keeps failing gets here; the cap keeps it from filling the disk that
 * PGlite's own data lives on.
 */
const SPOOL_MAX_BACKLOG = 5_000_000;
/** Once full, clicks are spooled again when the backlog is back under this share of the cap. */
const RESUME_AT = 0.9;

export interface ClickSpoolOptions {
  maxBacklog?: number;
  /** Told when the spool starts dropping new clicks (true) and when it takes them again (false). */
  onFull?: (full: boolean, backlog: number) => void;
}

/**
 * Serving side of the embedded click spool: each batch of captured clicks is appended to the
 * current segment file (one line per batch, see click-spool-codec.ts) before the buffer
 * counts it written, so a redirect whose response waited for its batch survives a crash of
 * the process (the kernel holds the written pages). Ingest reads the spool later, at its own pace (see
 * spool-ingest.ts): a burst of redirects is never slowed by analytics writes.
 *
 * Until ingest reports a click stored, it stays pending for its link: a link loaded from
 * storage meanwhile adds it to the stored counter (maxClicks).
 *
 * Overflow: past `maxBacklog` clicks waiting for ingest, new batches are dropped and counted
 * (the redirects are still served), until ingest brings the backlog back under 90% of it.
 */
export class ClickSpoolWriter implements ClickSink {
  private fd: number | null = null;
  private segment: number;
  /** Clicks of earlier segments were spooled by an earlier process: never pending here. */
  readonly firstSegment: number;
  private size = 0;
  private readonly pendingByLink = new Map<string, number>();
  private pendingTotal = 0;
  /** When the backlog last grew from empty (epoch ms); null while ingest is caught up. */
  private backlogSince: number | null = null;
  private full = false;
  private droppedTotal = 0;
  private readonly maxBacklog: number;

  constructor(private readonly dir: string, private readonly options: ClickSpoolOptions = {}) {
    this.maxBacklog = options.maxBacklog ?? SPOOL_MAX_BACKLOG;
    mkdirSync(dir, { recursive: true });
    this.segment = nextSegment(dir);
    this.firstSegment = this.segment;
  }

  /**
   * A synchronous write: appending a turn's clicks to the page cache takes microseconds, less
   * than a trip through libuv's thread pool and back, which the held responses would wait for.
   */
  async write(batch: CapturedClick[]): Promise<void> {
    if (this.full || this.pendingTotal + batch.length > this.maxBacklog) {
      this.droppedTotal += batch.length;
      if (!this.full) {
        this.full = true;
        this.options.onFull?.(true, this.pendingTotal);
      }
      return;
    }
    const line = encodeBatch(batch);
    const length = Buffer.byteLength(line);
    if (this.fd !== null && this.size + length > SEGMENT_BYTES && this.size > 0) {
      closeSync(this.fd);
      this.fd = null;
      this.segment++;
      this.size = 0;
    }
    this.fd ??= openSync(segmentFile(this.dir, this.segment), 'a');
    // The string is written as is (no Buffer of our own); a short write continues from its byte offset.
    let written = writeSync(this.fd, line);
    if (written < length) {
      const bytes = Buffer.from(line);
      while (written < length) written += writeSync(this.fd, bytes, written, length - written);
    }
    this.size += length;
    for (const click of batch) this.pendingByLink.set(click.linkId, (this.pendingByLink.get(click.linkId) ?? 0) + 1);
    if (this.pendingTotal === 0) this.backlogSince = Date.now();
    this.pendingTotal += batch.length;
  }

  /** About when the oldest click not yet stored was spooled (epoch ms); null when none is waiting. */
  oldestPendingAt(): number | null {
    return this.backlogSince;
  }

  /** Clicks of the link in the spool and not yet stored. */
  pending(linkId: string): number {
    return this.pendingByLink.get(linkId) ?? 0;
  }

  /** Clicks in the spool and not yet stored (metrics), as far as this process wrote them. */
  backlog(): number {
    return this.pendingTotal;
  }

  /** Clicks dropped because the spool was full (metrics). */
  dropped(): number {
    return this.droppedTotal;
  }

  /** Ingest stored (or found already stored) these clicks of this writer's segments, by link. */
  stored(countsByLink: Iterable<[string, number]>): void {
    for (const [linkId, count] of countsByLink) {
      const known = this.pendingByLink.get(linkId);
      if (known === undefined) continue;
      const taken = Math.min(known, count);
      this.pendingTotal -= taken;
      if (this.pendingTotal === 0) this.backlogSince = null;
      if (known - taken === 0) this.pendingByLink.delete(linkId);
      else this.pendingByLink.set(linkId, known - taken);
    }
    if (this.full && this.pendingTotal <= this.maxBacklog * RESUME_AT) {
      this.full = false;
      this.options.onFull?.(false, this.pendingTotal);
    }
  }

  async close(): Promise<void> {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
