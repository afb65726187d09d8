// SPEC §7 "every redirect counted", on the stored events themselves: after the embedded
// redirect phase has stopped Curt, its data dir is opened here and the raw click rows counted.
import { sql } from 'kysely';
import { openPGlite } from '../src/adapters/db/database.js';

/** Rows in `clicks` of the embedded database in dataDir (Curt must not be running on it). */
export async function countRawClicks(dataDir: string): Promise<number> {
  const handle = await openPGlite(dataDir);
  try {
    const row = (await sql<{ n: number }>`select count(*) as n from clicks`.execute(handle.db)).rows[0]!;
    return Number(row.n);
  } finally {
    await handle.close();
  }
}
