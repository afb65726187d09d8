import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { ClickEvent } from '../../core/analytics/click.js';
import { VisitorSketch } from '../../core/analytics/hll.js';
import type { ClickBulkLoader, ClickBulkLoadReport, ClickBulkSink } from '../../core/analytics/ports.js';
import { numberArray, textArray } from './array-literals.js';
import { newRollupRows, type RollupRow } from './rollup-rows.js';
import type { RollupGroups } from './rollup-groups.js';
import { dropIndexes, insertRaw, insertRollups, type RollupTable } from './click-bulk-statements.sql.js';
import { ClickLinkIndexes } from './click-link-indexes.sql.js';
import { ClickPartitions } from './click-partitions.sql.js';
import { WeeklyRollups } from './period-rollups.sql.js';
import type { Db } from './database.js';
import type { Database } from './schema.js';
import { DAY_MS, HOUR_MS } from '../../core/time-units.js';

/** Rows per INSERT: enough to amortise a round trip, few enough to keep Node's synchronous stretches short. */
const CHUNK = 10_000;
/** Events aggregated between two yields to the event loop (see ClickSeeder). */
const YIELD_EVERY = 2000;
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

type Tx = Transaction<Database>;

/**
 * Bulk load of click events into empty click tables (`curt seed-clicks`), with the same rows
 * SqlClickStore.ingest would write: raw rows; hourly rollups per link and per workspace and
 * daily ones per workspace and per-link daily totals (RollupGroups, SqlClickStore's grouping); links.clicks.
 *
 * Why not ingest: at 10 M clicks the rollups hold ~45 M rows, and index maintenance dominates
 * writing them (measured on the benchmark VM: 452k rollup rows took 4.0-5.6 s to insert with
 * the primary key in place, 0.6 s without it plus 1.7 s to build it afterwards). Grouping in
 * SQL (INSERT … SELECT … GROUP BY) was tried too and cost PostgreSQL ~85 µs per click, far
 * more than the grouping in Node. So, in ONE transaction holding ACCESS
 * EXCLUSIVE locks on the three tables: the indexes are dropped, rows are written hour by hour
 * with plain INSERTs (each rollup row exactly once, its sketch already canonical), and the
 * indexes are built again from their own definitions before commit. A failure rolls
 * everything back, indexes included. Only for empty tables: rows already there would need
 * merging. Writers (a running server's ingest) wait for the commit meanwhile.
 */
export class SqlClickBulkLoader implements ClickBulkLoader {
  constructor(private readonly db: Db) {}

  async load(range: { from: number; to: number }, fill: (sink: ClickBulkSink) => Promise<void>): Promise<ClickBulkLoadReport | null> {
    // Partitions first, outside the transaction: creating one needs a lock the load will hold.
    const days: number[] = [];
    for (let day = Math.floor(range.from / DAY_MS) * DAY_MS; day < range.to; day += DAY_MS) days.push(day);
    await new ClickPartitions(this.db).ensureFor(days);
    const started = performance.now();
    const loaded = await this.db.transaction().execute(async (tx) => {
      await sql`lock table clicks, click_rollups_hourly, click_rollups_daily, click_rollups_weekly in access exclusive mode`.execute(tx);
      const any = await sql<{ any: boolean }>`select exists (select 1 from clicks) or exists (select 1 from click_rollups_hourly)
        or exists (select 1 from click_rollups_daily) or exists (select 1 from click_rollups_weekly) as any`.execute(tx);
      if (any.rows[0]!.any) return null;
      await sql`set local maintenance_work_mem = '256MB'`.execute(tx);
      const indexes = await dropIndexes(tx);
      const sink = new BulkSink(tx);
      try {
        await fill(sink);
        await sink.finish();
      } catch (error) {
        await sink.settle(); // nothing queued may run after the rollback, outside the transaction
        throw error;
      }
      const written = performance.now();
      for (const index of indexes) await sql.raw(index.create).execute(tx);
      return { sink, loadMs: written - started, indexMs: performance.now() - written };
    });
    if (!loaded) return null;
    // The closed days' per-link indexes (migration 0012), as the clicks.index-days job would build them.
    const linkIndexStarted = performance.now();
    await new ClickLinkIndexes(this.db).run(Date.now(), Infinity);
    const weeklyStarted = performance.now();
    await rollWeeks(this.db);
    const vacuumStarted = performance.now();
    // As autovacuum would leave them: statistics for the planner, hint bits and visibility map set.
    await sql`vacuum (analyze) clicks, click_rollups_hourly, click_rollups_daily, click_rollups_weekly, links`.execute(this.db);
    const { sink, loadMs, indexMs } = loaded;
    return {
      clicks: sink.clicks, hourlyRows: sink.hourlyRows, dailyRows: sink.dailyRows, loadMs, indexMs: indexMs + weeklyStarted - linkIndexStarted,
      weeklyMs: vacuumStarted - weeklyStarted, vacuumMs: performance.now() - vacuumStarted,
    };
  }
}

/**
 * The loaded weeks (every daily row is the load's: the tables were empty) are marked stale, and
 * the closed ones are rolled now, as the background pass would a few minutes later; the open
 * week is left to that pass.
 */
async function rollWeeks(db: Db): Promise<void> {
  await sql`insert into click_week_rollups (workspace_id, bucket, stale)
    select distinct workspace_id, date_trunc('week', bucket at time zone 'UTC') at time zone 'UTC', true
    from click_rollups_daily where link_id = '' and dimension = ''
    on conflict (workspace_id, bucket) do update set stale = true`.execute(db);
  const weeks = new WeeklyRollups(db);
  while ((await weeks.run()) > 0);
}

/**
 * Receives events hour by hour: raw rows go straight in; an hour's rollup rows are written
 * when the next hour starts, a day's when the next day starts; links.clicks at the end.
 * Statements are queued, not awaited one by one: while the database writes one batch, Node
 * aggregates and serialises the next (two processes, two cores). write() waits only for the
 * previous batch's statements, which bounds the memory held.
 */
class BulkSink implements ClickBulkSink {
  clicks = 0;
  hourlyRows = 0;
  dailyRows = 0;
  private hour = -Infinity;
  /** Workspace-hours written: their per-link dimension rows are complete (see 0003). */
  private readonly rolledHours = new Map<string, { workspaceId: string; hour: number }>();
  private day = -Infinity;
  private readonly hourly = newRollupRows();
  private readonly daily = newRollupRows();
  private readonly perLink = new Map<string, number>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly tx: Tx) {}

  async write(events: readonly ClickEvent[]): Promise<void> {
    const previous = this.queue;
    for (let i = 0; i < events.length; i += CHUNK) await this.enqueue(insertRaw(events.slice(i, i + CHUNK)));
    for (let i = 0; i < events.length; i++) {
      // Lets the event loop start the next queued statement as soon as the database is free.
      if (i % YIELD_EVERY === YIELD_EVERY - 1) await yieldToIo();
      const e = events[i]!;
      const ms = e.at.getTime();
      const hour = ms - (ms % HOUR_MS);
      if (hour !== this.hour) {
        if (hour < this.hour) throw new Error('bulk load needs the clicks in time order (hour by hour)');
        await this.flush('click_rollups_hourly', this.hourly);
        this.hour = hour;
        const day = ms - (ms % DAY_MS);
        if (day !== this.day) {
          await this.flush('click_rollups_daily', this.daily);
          this.day = day;
        }
      }
      // Ingest's rows plus the per-link dimension rows LinkRollups would build: those hours are marked rolled in finish().
      const register = VisitorSketch.register(e.visitorId);
      this.hourly.add(e, '', hour, register);
      this.hourly.add(e, e.linkId, hour, register);
      this.daily.add(e, '', this.day, register);
      this.daily.add(e, e.linkId, this.day, register, false);
      this.perLink.set(e.linkId, (this.perLink.get(e.linkId) ?? 0) + 1);
      this.rolledHours.set(`${e.workspaceId}\u0000${hour}`, { workspaceId: e.workspaceId, hour });
    }
    this.clicks += events.length;
    await previous;
  }

  async finish(): Promise<void> {
    await this.flush('click_rollups_hourly', this.hourly);
    await this.flush('click_rollups_daily', this.daily);
    // The load writes per-link dimension rows itself (as ingest once did): those hours are rolled.
    const hours = [...this.rolledHours.values()];
    for (let i = 0; i < hours.length; i += CHUNK) {
      const chunk = hours.slice(i, i + CHUNK);
      await this.enqueue(sql`insert into click_link_rollups (workspace_id, bucket, stale, rolled_at)
        select w, 'epoch'::timestamptz + b * interval '1 millisecond', false, now()
        from unnest(${textArray(chunk.map((h) => h.workspaceId))}::text[], ${numberArray(chunk.map((h) => h.hour))}::bigint[]) as t(w, b)
        on conflict (workspace_id, bucket) do update set stale = false, rolled_at = now()`);
    }
    const ids = [...this.perLink.keys()].sort();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      await this.enqueue(sql`update links set clicks = links.clicks + c.n
        from unnest(${textArray(chunk)}::text[], ${numberArray(chunk.map((id) => this.perLink.get(id)!))}::bigint[]) as c(id, n)
        where links.id = c.id`);
    }
    await this.queue;
  }

  /** Resolves once no statement is running or waiting (whether they succeeded or not). */
  async settle(): Promise<void> {
    await this.queue.catch(() => {});
  }

  /**
   * Runs after everything queued before; a failure fails every later write (and the load).
   * Then yields to the event loop, so that a statement finishing meanwhile is followed at once.
   */
  private async enqueue(statement: RawBuilder<unknown>): Promise<void> {
    this.queue = this.queue.then(() => statement.execute(this.tx).then(() => {}));
    this.queue.catch(() => {}); // observed here; the load sees the error at the next await
    await yieldToIo();
  }

  private async flush(table: RollupTable, rollups: RollupGroups<RollupRow>): Promise<void> {
    const rows = rollups.take();
    if (table === 'click_rollups_hourly') this.hourlyRows += rows.length;
    else this.dailyRows += rows.length;
    for (let i = 0; i < rows.length; i += CHUNK) await this.enqueue(insertRollups(table, rows.slice(i, i + CHUNK)));
  }
}
