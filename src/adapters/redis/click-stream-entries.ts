import type { CapturedClick } from '../../core/analytics/click.js';

/** How far a stream read's entries have been handed to ingest. */
export interface EntryCursor {
  next: number;
}

/**
 * A stream read's entries (JSON arrays of captured clicks, one serving process's event-loop turn
 * each) as pieces for ClickIngest.ingestPieces, from the cursor on, until at least `limit`
 * clicks were handed over: an ingest batch. Each entry is decoded only when ingest asks for it,
 * so its clicks are enriched and dropped before the next is decoded, and ingest's looks at the
 * event loop come between entries (decoding a read of 400 entries in one go took 40-100 ms, during
 * which the batch being written meanwhile could neither send nor hear anything). A malformed
 * entry can never succeed: it is reported and skipped (and acknowledged with the rest).
 */
export function* clickEntryPieces(entries: readonly (string | undefined)[], cursor: EntryCursor, limit: number,
  onMalformed: (error: Error) => void): Generator<CapturedClick[], void, undefined> {
  let handed = 0;
  while (handed < limit && cursor.next < entries.length) {
    const json = entries[cursor.next++];
    let clicks: CapturedClick[];
    try {
      clicks = JSON.parse(json ?? '[]') as CapturedClick[];
    } catch (error) {
      onMalformed(new Error(`click stream entry is not valid JSON; dropped: ${(error as Error).message}`));
      continue;
    }
    handed += clicks.length;
    yield clicks;
  }
}
