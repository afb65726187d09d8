import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { VisitorSalts } from '../../core/analytics/ports.js';
import type { Db } from './database.js';
import { DAY_MS } from '../../core/time-units.js';

/** Salts of days older than this are deleted: visitor ids of the past can no longer be recomputed. */
const KEEP_DAYS = 2;

/** Daily visitor-id salts in the database, so every ingest process hashes the same way. */
export class SqlVisitorSalts implements VisitorSalts {
  constructor(private readonly db: Db) {}

  async saltFor(day: number): Promise<Uint8Array> {
    const date = new Date(day * DAY_MS).toISOString().slice(0, 10);
    // First writer wins; everyone then reads the winner's salt.
    await sql`insert into visitor_salts (day, salt) values (${date}::date, decode(${randomBytes(32).toString('hex')}, 'hex'))
      on conflict (day) do nothing`.execute(this.db);
    const row = await sql<{ salt: Uint8Array }>`select salt from visitor_salts where day = ${date}::date`.execute(this.db);
    await sql`delete from visitor_salts where day < ${date}::date - ${KEEP_DAYS}::int`.execute(this.db);
    return new Uint8Array(row.rows[0]!.salt);
  }
}
