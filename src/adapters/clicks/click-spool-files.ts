import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The embedded click spool's files. A spool directory holds numbered segments of captured
 * clicks, one line per batch (see click-spool-codec.ts), written in order by the serving thread, and `position.json`,
 * the first click ingest has not yet stored. A process never appends to a segment an earlier
 * process wrote (its tail may be torn by a crash): each start begins a new segment.
 */
export const POSITION_FILE = 'position.json';

const SEGMENT = /^(\d{12})\.ndjson$/;

export interface SpoolPosition {
  segment: number;
  /** Byte offset in the segment of the first line not yet stored. */
  offset: number;
}

export function segmentFile(dir: string, segment: number): string {
  return join(dir, `${String(segment).padStart(12, '0')}.ndjson`);
}

/** Segment numbers present, ascending. */
export function listSegments(dir: string): number[] {
  const numbers: number[] = [];
  for (const name of readdirSync(dir)) {
    const match = SEGMENT.exec(name);
    if (match) numbers.push(Number(match[1]));
  }
  return numbers.sort((a, b) => a - b);
}

/** Where ingest stands; the start of the spool when nothing was stored yet. */
export function loadPosition(dir: string): SpoolPosition {
  const file = join(dir, POSITION_FILE);
  if (!existsSync(file)) return { segment: 0, offset: 0 };
  const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<SpoolPosition>;
  return { segment: Number(stored.segment) || 0, offset: Number(stored.offset) || 0 };
}

/** The segment a new writer begins: after every segment written before, and after the stored position. */
export function nextSegment(dir: string): number {
  return Math.max(listSegments(dir).at(-1) ?? 0, loadPosition(dir).segment) + 1;
}
