import { sql } from 'kysely';
import type { Db } from './database.js';
import { dayPartitions } from './click-partitions.sql.js';
import { DAY_MS, MINUTE_MS } from '../../core/time-units.js';

/** A day's partition is indexed this long after the day closed: late clicks (a spool or stream backlog) land first. */
const DEFAULT_GRACE_MS = 10 * MINUTE_MS;
/** Builds started in one run, one after the other, until this much wall time has gone. */
const DEFAULT_BUDGET_MS = 30_000;

/**
 * The per-link index of raw clicks, built per day partition once the day has closed
 * (migration 0012): clicks_pYYYYMMDD_link_at_idx on (link_id, at). Ingest then never maintains
 * it, and a closed day's rows are indexed in one sorted build instead of one random insertion
 * per click. Built CONCURRENTLY, so late clicks for that day are written meanwhile.
 *
 * A build that failed half-way (a crash, a cancel) leaves an invalid index behind; the next
 * run drops and rebuilds it unless a build of it is still in progress.
 */
export class ClickLinkIndexes {
  constructor(private readonly db: Db, private readonly graceMs = DEFAULT_GRACE_MS) {}

  /** Indexes closed days without a valid index, newest first, within the budget; returns how many it built. */
  async run(now = Date.now(), budgetMs = DEFAULT_BUDGET_MS): Promise<number> {
    const until = performance.now() + budgetMs;
    const closed = (await dayPartitions(this.db)).filter((p) => p.dayMs + DAY_MS + this.graceMs <= now).sort((a, b) => b.dayMs - a.dayMs);
    if (closed.length === 0) return 0;
    const state = await indexState(this.db, closed.map((p) => p.name));
    let built = 0;
    for (const { name } of closed) {
      const index = `${name}_link_at_idx`;
      const current = state.get(name);
      if (current === 'valid' || current === 'building') continue;
      if (current === 'invalid') await sql`drop index concurrently if exists ${sql.table(index)}`.execute(this.db);
      await sql`create index concurrently if not exists ${sql.table(index)} on ${sql.table(name)} (link_id, at)`.execute(this.db);
      built++;
      if (performance.now() >= until) break;
    }
    return built;
  }
}

type IndexState = 'valid' | 'invalid' | 'building';

/** Each partition's link index, if it has one: valid, invalid (a failed build), or being built now. */
async function indexState(db: Db, partitions: string[]): Promise<Map<string, IndexState>> {
  const rows = await sql<{ partition: string; valid: boolean; building: boolean }>`
    select t.relname as partition, x.indisvalid as valid,
      exists (select 1 from pg_stat_progress_create_index p where p.relid = t.oid) as building
    from pg_class t
    join pg_class i on i.relname = t.relname || '_link_at_idx' and i.relnamespace = t.relnamespace
    join pg_index x on x.indexrelid = i.oid and x.indrelid = t.oid
    where t.relname = any(${partitions}::text[]) and t.relnamespace = current_schema()::regnamespace`.execute(db);
  return new Map(rows.rows.map((r) => [r.partition, r.valid ? 'valid' : r.building ? 'building' : 'invalid']));
}
