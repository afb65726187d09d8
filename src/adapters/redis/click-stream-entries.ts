import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CapturedClick } from '../../core/analytics/click.js';

/**
 * Entries decoded between two looks at the event loop. An entry is one serving process's
 * event-loop turn (tens of clicks); a read of 400 entries took 40-100 ms to decode in one go,
 * during which the previous batch's transaction, written meanwhile, could not send or hear
 * anything (session 13: such blocks were most of a write's wait).
 */
const ENTRIES_PER_TURN = 10;

/** The clicks of click-stream entries (JSON arrays); a malformed entry is reported and skipped. */
export async function decodeClickEntries(entries: readonly (string | undefined)[], onMalformed: (error: Error) => void): Promise<CapturedClick[]> {
  const clicks: CapturedClick[] = [];
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % ENTRIES_PER_TURN === 0) await nextTurn();
    try {
      const decoded = JSON.parse(entries[i] ?? '[]') as CapturedClick[];
      for (const click of decoded) clicks.push(click);
    } catch (error) {
      onMalformed(new Error(`click stream entry is not valid JSON; dropped: ${(error as Error).message}`));
    }
  }
  return clicks;
}
