import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Db } from '../src/adapters/db/database.js';
import { VisitorSketch } from '../src/core/analytics/hll.js';
import { HOUR_MS } from '../src/core/time-units.js';

/**
 * Late in a busy hour: every link's hourly total rows (the hour of `now` and the one before,
 * bots and humans) get a dense visitor sketch, as after ~1,365 visitors each; stored click
 * counts are kept (rows made here count none). Every batch that touches such a row appends to
 * a 4-8 KB value that PostgreSQL rewrites whole, which a run in a fresh hour never meets
 * (BENCHMARKS.md, session 13). Returns the rows written.
 */
export async function denseHourlyLinkRows(db: Db, links: readonly { id: string; workspaceId: string }[], now: number): Promise<number> {
  const sketch = VisitorSketch.empty();
  for (let v = 0; v < 5_000; v++) sketch.add(randomBytes(16).toString('hex'));
  const hour = now - (now % HOUR_MS);
  const result = await sql`insert into click_rollups_hourly as r (workspace_id, link_id, dimension, bucket, bot, value, clicks, visitors)
    select w, l, '', b, bo, '', 0, ${Buffer.from(sketch.toBytes())}::bytea
    from unnest(${links.map((l) => l.workspaceId)}::text[], ${links.map((l) => l.id)}::text[]) as t(w, l),
      unnest(${[new Date(hour - HOUR_MS), new Date(hour)]}::timestamptz[]) as b, (values (false), (true)) as v(bo)
    on conflict (workspace_id, link_id, dimension, bucket, bot, value) do update set visitors = excluded.visitors`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
