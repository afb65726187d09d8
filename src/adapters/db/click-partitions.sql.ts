import { sql } from 'kysely';
import type { Db } from './database.js';
import { DAY_MS } from '../../core/time-units.js';

/**
 * Daily partitions of `clicks`, named clicks_pYYYYMMDD. Ingest makes sure the days of a batch
 * (and the next day, so midnight never lands in the default partition) have one before it
 * writes. A day whose rows already sit in the default partition cannot get one (PostgreSQL
 * refuses); its rows stay there, which is correct, merely unpartitioned.
 */
export class ClickPartitions {
  /** Days (since the epoch) known to have a partition, or known to be unable to get one. */
  private readonly known = new Set<number>();

  constructor(private readonly db: Db) {}

  async ensureFor(times: readonly number[]): Promise<void> {
    const days = new Set<number>();
    for (const ms of times) {
      const day = Math.floor(ms / DAY_MS);
      if (!this.known.has(day)) days.add(day);
      if (!this.known.has(day + 1)) days.add(day + 1);
    }
    for (const day of [...days].sort((a, b) => a - b)) await this.create(day);
  }

  private async create(day: number): Promise<void> {
    const from = new Date(day * DAY_MS).toISOString().slice(0, 10);
    const to = new Date((day + 1) * DAY_MS).toISOString().slice(0, 10);
    try {
      await sql`create table if not exists ${sql.table(partitionName(day * DAY_MS))} partition of clicks
        for values from (${sql.lit(from)}) to (${sql.lit(to)})`.execute(this.db);
    } catch (error) {
      // Another process created it first, or the default partition already holds that day.
      if (!isExpectedRace(error)) throw error;
    }
    this.known.add(day);
  }

  /**
   * Deletes raw clicks older than `cutoffMs` (rounded down to a UTC day): whole partitions are
   * dropped, and the default partition's old rows deleted. Rollups are not touched.
   * Returns the number of partitions dropped.
   */
  async prune(cutoffMs: number): Promise<number> {
    const cutoffDay = Math.floor(cutoffMs / DAY_MS);
    let dropped = 0;
    for (const { name, dayMs } of await dayPartitions(this.db)) {
      // The partition of day D holds [D, D+1): it is entirely old when D+1 <= cutoff, i.e. D < cutoff.
      if (dayMs / DAY_MS >= cutoffDay) continue;
      await sql`drop table if exists ${sql.table(name)}`.execute(this.db);
      this.known.delete(dayMs / DAY_MS);
      dropped++;
    }
    await sql`delete from clicks_default where at < ${new Date(cutoffDay * DAY_MS)}`.execute(this.db);
    return dropped;
  }
}

/** The partition of the UTC day starting at `dayMs`: clicks_pYYYYMMDD. */
export function partitionName(dayMs: number): string {
  return `clicks_p${new Date(dayMs).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day partitions of `clicks` (the default partition aside), with the start of their day. */
export async function dayPartitions(db: Db): Promise<{ name: string; dayMs: number }[]> {
  const partitions = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i
    join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
    where p.relname = 'clicks' and p.relnamespace = current_schema()::regnamespace and c.relname ~ '^clicks_p[0-9]{8}$'`.execute(db);
  return partitions.rows.map(({ name }) => ({ name, dayMs: Date.parse(`${name.slice(8, 12)}-${name.slice(12, 14)}-${name.slice(14, 16)}`) }));
}

/** duplicate_table / unique_violation (a concurrent create), or check_violation (rows in the default partition). */
function isExpectedRace(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === '42P07' || code === '23505' || code === '23514';
}
