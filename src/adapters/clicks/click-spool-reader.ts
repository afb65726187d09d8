import { closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapturedClick } from '../../core/analytics/click.js';
import { decodeBatch } from './click-spool-codec.js';
import { listSegments, loadPosition, POSITION_FILE, segmentFile, type SpoolPosition } from './click-spool-files.js';

/** Bytes read per call, at first; a longer line (a 20,000-click batch of a flush) gets a bigger read. */
const READ_BYTES = 4 * 1024 * 1024;

export interface SpoolBatch {
  clicks: CapturedClick[];
  /** Where the spool stands once these clicks are stored. */
  next: SpoolPosition;
  /** The segment each click came from, in order (to tell this process's clicks from an earlier one's). */
  segments: number[];
  /** Lines that were not a batch of clicks (a crash's torn tail): skipped, counted. */
  skipped: number;
}

/**
 * Ingest side of the embedded click spool (see click-spool-writer.ts). Reads whole lines from
 * the stored position; `commit` records the position once the batch is stored and deletes the
 * segments left behind. Ingest is idempotent on click ids, so a crash between storing and
 * committing only re-reads clicks that will be skipped.
 *
 * Only the newest segment can still grow: a line without its newline there is being written
 * and waits; in an older segment it is a crashed writer's torn tail and is skipped.
 */
export class ClickSpoolReader {
  private position: SpoolPosition;

  constructor(private readonly dir: string) {
    this.position = loadPosition(dir);
  }

  /**
   * The batches after the stored position, until they hold `max` clicks or more (a batch is
   * read whole); an empty result when the spool is drained.
   */
  read(max: number): SpoolBatch {
    const clicks: CapturedClick[] = [];
    const segments: number[] = [];
    let skipped = 0;
    let { segment, offset } = this.position;
    const present = listSegments(this.dir);
    if (present.length > 0 && segment < present[0]!) ({ segment, offset } = { segment: present[0]!, offset: 0 });
    let chunkBytes = READ_BYTES;
    while (clicks.length < max) {
      const newest = present.at(-1);
      if (newest === undefined || segment > newest) break;
      if (!present.includes(segment)) { segment++; offset = 0; continue; }
      const chunk = readChunk(segmentFile(this.dir, segment), offset, chunkBytes);
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1 && clicks.length < max; end = chunk.indexOf(10, start)) {
        const batch = decodeBatch(chunk.toString('utf8', start, end));
        if (batch) for (const click of batch) { clicks.push(click); segments.push(segment); }
        else skipped++;
        start = end + 1;
      }
      offset += start;
      if (clicks.length >= max) break;
      if (chunk.length === chunkBytes) {
        // A full chunk stopped mid-segment: read on; a line longer than the chunk: a bigger one.
        if (start === 0) chunkBytes *= 2;
        continue;
      }
      if (segment === newest) break;
      if (chunk.length - start > 0) skipped++;
      segment++;
      offset = 0;
    }
    return { clicks, next: { segment, offset }, segments, skipped };
  }

  /** Records the position and removes the segments wholly before it. */
  commit(next: SpoolPosition): void {
    const file = join(this.dir, POSITION_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(next));
    renameSync(`${file}.tmp`, file);
    this.position = next;
    for (const segment of listSegments(this.dir)) {
      if (segment < next.segment) unlinkSync(segmentFile(this.dir, segment));
    }
  }
}

function readChunk(path: string, offset: number, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const length = Math.max(0, Math.min(bytes, fstatSync(fd).size - offset));
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const n = readSync(fd, buffer, read, length - read, offset + read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
