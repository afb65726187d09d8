import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ClickExportRange } from '../../core/analytics/click-export.js';
import { ClickPresenter } from '../click-presenter.js';
import { AUTHED_ERRORS, errorResponses, security } from '../schemas/common.js';
import { ClickExportQuery } from '../schemas/click.js';
import { clickExportStream } from '../streams/click-export-stream.js';
import { CSV, NDJSON } from '../streams/click-formats.js';
import { actorOf, type RouteContext } from './context.js';

const DESCRIPTION = `Raw clicks of the workspace (optionally one link) with from ≤ at < to, oldest first, streamed as
NDJSON (one Click object per line) or CSV (RFC 4180, header row; cells that a spreadsheet would run as a formula
start with a single quote). Errors found before the first byte are problem+json. An error after the body has
started aborts the connection, so an export that ends without error is complete.`;

/** GET /clicks: the raw click export, streamed page by page. */
export const clickRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const presenter = new ClickPresenter(ctx.baseUrl);

  app.get('/clicks', {
    onRequest: ctx.guard('analytics:read'),
    // A HEAD would read the whole export only to throw it away.
    exposeHeadRoute: false,
    schema: {
      tags: ['analytics'], summary: 'Export raw clicks (streamed NDJSON or CSV)', description: DESCRIPTION,
      security: security('analytics:read'), querystring: ClickExportQuery,
      response: {
        200: {
          description: 'The clicks, sent as they are read (chunked); Content-Disposition names a file',
          content: { 'application/x-ndjson': { schema: Type.Ref('Click') }, 'text/csv': { schema: Type.String() } },
        },
        ...errorResponses(...AUTHED_ERRORS, 404),
      },
    },
  }, async (request, reply) => {
    const { link, from, to, format } = request.query;
    const { range, pages } = await ctx.clickExport.open(actorOf(request), {
      linkId: link, from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to),
    });
    const encoding = format === 'csv' ? CSV : NDJSON;
    const body = await clickExportStream(pages, encoding, presenter);
    return reply
      .header('content-type', encoding.contentType)
      .header('content-disposition', `attachment; filename="${fileName(range)}.${encoding.extension}"`)
      .header('cache-control', 'private, no-store')
      .send(body);
  });
};

/** clicks-<link or workspace>-<from>-<to>, in compact UTC times: safe in any file system. */
function fileName(range: ClickExportRange): string {
  const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  return `clicks-${range.linkId ?? range.workspaceId}-${stamp(range.from)}-${stamp(range.to)}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}
