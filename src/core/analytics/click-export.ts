import { requireScope, type Actor } from '../auth/actor.js';
import { invalid, notFound } from '../errors.js';
import type { LinkRepository } from '../links/ports.js';
import type { ClickEvent } from './click.js';
import { DAY_MS } from '../time-units.js';

/** When no `from` is given, the export covers the 30 days before `to`. */
export const EXPORT_DEFAULT_DAYS = 30;
/** Rows per query: big enough to amortise a round trip, small enough to keep memory flat. */
export const EXPORT_PAGE_SIZE = 2000;

/** Which clicks one export covers: the workspace's, optionally one link's, with from ≤ at < to. */
export interface ClickExportRange {
  workspaceId: string;
  linkId: string | null;
  from: Date;
  to: Date;
}

/** The last row served: the next page starts strictly after it in (at, id) order. */
export interface ClickPosition {
  at: Date;
  id: string;
}

/**
 * Reads raw clicks in (at, id) order, one bounded page at a time. Keyset pages instead of a
 * server-side cursor: PGlite cannot stream, and no query or transaction stays open between pages.
 */
export interface ClickExportReader {
  page(range: ClickExportRange, after: ClickPosition | null, limit: number): Promise<ClickEvent[]>;
}

export interface ClickExportRequest {
  linkId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A checked export: its range, and its pages, read lazily as the consumer asks for them. */
export interface ClickExport {
  range: ClickExportRange;
  pages: AsyncIterable<ClickEvent[]>;
}

/**
 * The raw click export (SPEC §4 GET /clicks). Everything that can be refused is checked in
 * open(), before the caller has written a byte; the pages are read only as they are consumed,
 * so a slow client slows the reads down instead of making the server buffer the export.
 */
export class ClickExportService {
  private readonly pageSize: number;
  private readonly now: () => Date;

  constructor(private readonly deps: {
    reader: ClickExportReader;
    links: Pick<LinkRepository, 'findById'>;
    pageSize?: number;
    now?: () => Date;
  }) {
    this.pageSize = deps.pageSize ?? EXPORT_PAGE_SIZE;
    this.now = deps.now ?? (() => new Date());
  }

  async open(actor: Actor, request: ClickExportRequest): Promise<ClickExport> {
    requireScope(actor, 'analytics:read');
    const to = request.to ?? this.now();
    const from = request.from ?? new Date(to.getTime() - EXPORT_DEFAULT_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime()) throw invalid([{ pointer: '/query/from', detail: 'must be before to' }]);
    const linkId = request.linkId ?? null;
    // Another workspace's link is as unknown as a missing one (404, never 403).
    if (linkId !== null && !(await this.deps.links.findById(actor.workspaceId, linkId))) throw notFound('link');
    const range = { workspaceId: actor.workspaceId, linkId, from, to };
    return { range, pages: this.pages(range) };
  }

  private async *pages(range: ClickExportRange): AsyncGenerator<ClickEvent[]> {
    let after: ClickPosition | null = null;
    for (;;) {
      const rows = await this.deps.reader.page(range, after, this.pageSize);
      if (rows.length > 0) yield rows;
      const last = rows.at(-1);
      if (rows.length < this.pageSize || !last) return;
      after = { at: last.at, id: last.id };
    }
  }
}
