import type { ClickEvent } from '../../core/analytics/click.js';
import type { ClickExportRange, ClickExportReader, ClickPosition } from '../../core/analytics/click-export.js';
import type { Db } from './database.js';

/**
 * Keyset pages over the raw clicks table, in (at, id) order. The range bounds prune day
 * partitions and ride the (workspace_id, at) or (link_id, at) index; `at >= cursor` narrows the
 * index range and the row comparison breaks ties between clicks of the same instant.
 * Ingest stores whole milliseconds, so a JS Date round-trips `at` exactly as a cursor.
 */
export class SqlClickExportReader implements ClickExportReader {
  constructor(private readonly db: Db) {}

  async page(range: ClickExportRange, after: ClickPosition | null, limit: number): Promise<ClickEvent[]> {
    let query = this.db.selectFrom('clicks').selectAll()
      .where('workspace_id', '=', range.workspaceId)
      .where('at', '>=', range.from)
      .where('at', '<', range.to);
    if (range.linkId !== null) query = query.where('link_id', '=', range.linkId);
    if (after !== null) {
      query = query.where('at', '>=', after.at)
        .where(({ eb, refTuple, tuple }) => eb(refTuple('at', 'id'), '>', tuple(after.at, after.id)));
    }
    const rows = await query.orderBy('at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id, at: new Date(r.at), workspaceId: r.workspace_id, linkId: r.link_id, domain: r.domain,
      referrer: r.referrer, referrerHost: r.referrer_host, country: r.country, device: r.device, browser: r.browser,
      os: r.os, language: r.language, utmSource: r.utm_source, utmMedium: r.utm_medium, utmCampaign: r.utm_campaign,
      utmTerm: r.utm_term, utmContent: r.utm_content, bot: r.bot,
      // Stored as a uuid; the click event carries the same 128 bits as plain hex.
      visitorId: r.visitor_id.replaceAll('-', ''),
    }));
  }
}
