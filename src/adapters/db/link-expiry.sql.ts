import { sql } from 'kysely';
import type { LinkEvents } from '../../core/links/link-events.js';
import type { Db } from './database.js';
import { recordEvents } from './outbox.sql.js';
import { linkFromRow } from './repositories/link-repository.sql.js';
import type { LinksTable } from './schema.js';
import type { Selectable } from 'kysely';
import { DAY_MS } from '../../core/time-units.js';

/**
 * Records link.expired once per expiry: for each link whose expiresAt has passed or whose
 * clicks reached maxClicks, a row in link_expirations keyed by the link's expiry settings
 * (expiresAt and maxClicks) is inserted with the event in one transaction, so the event is
 * written exactly once; a link given new settings that then expire again gets a new event.
 * Only expiresAt within the look-back window is examined (so each pass stays small): a link
 * that expired while no worker ran for longer than that gets no event.
 */
export class SqlLinkExpiry {
  constructor(private readonly db: Db, private readonly events: LinkEvents, private readonly lookBackDays = 7) {}

  /** Records the events of up to `limit` newly expired links per transaction; answers how many. */
  async run(now = Date.now(), limit = 500, rounds = 20): Promise<number> {
    let total = 0;
    for (let i = 0; i < rounds; i++) {
      const n = await this.batch(now, limit);
      total += n;
      if (n < limit) break;
    }
    return total;
  }

  private async batch(now: number, limit: number): Promise<number> {
    const at = new Date(now);
    const since = new Date(now - this.lookBackDays * DAY_MS);
    return this.db.transaction().execute(async (tx) => {
      const key = sql`coalesce((extract(epoch from l.expires_at) * 1000)::bigint::text, '-') || '/' || coalesce(l.max_clicks::text, '-')`;
      const claimed = await sql<{ link_id: string }>`
        insert into link_expirations (link_id, expiry)
        select c.id, c.expiry from (
          select l.id, ${key} as expiry from links l where l.expires_at <= ${at} and l.expires_at > ${since}
          union
          select l.id, ${key} as expiry from links l where l.max_clicks is not null and l.clicks >= l.max_clicks
        ) c
        where not exists (select 1 from link_expirations e where e.link_id = c.id and e.expiry = c.expiry)
        limit ${limit}
        on conflict do nothing
        returning link_id`.execute(tx);
      if (claimed.rows.length === 0) return 0;
      const rows = await tx.selectFrom('links').selectAll().where('id', 'in', claimed.rows.map((r) => r.link_id)).execute();
      await recordEvents(tx, rows.map((r: Selectable<LinksTable>) => this.events.event('link.expired', linkFromRow(r))));
      return claimed.rows.length;
    });
  }
}
