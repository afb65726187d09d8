import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import QRCode from 'qrcode';
import { AUTHED_ERRORS, IdParams, errorResponses, security } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

/** GET /links/{id}/qr: the short URL as an SVG or PNG QR code (error correction M, quiet zone 2). */
export const qrRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  app.get('/links/:id/qr', {
    onRequest: ctx.guard('links:read'),
    schema: {
      tags: ['links'], summary: 'QR code of the short URL', security: security('links:read'), params: IdParams,
      querystring: Type.Object({
        format: Type.Union([Type.Literal('svg'), Type.Literal('png')], { default: 'svg' }),
        size: Type.Integer({ minimum: 64, maximum: 2048, default: 512, description: 'Width and height in pixels' }),
        workspaceId: Type.Optional(Type.String()),
      }),
      response: {
        200: { description: 'The QR code', content: { 'image/svg+xml': { schema: Type.String() }, 'image/png': { schema: Type.String({ format: 'binary' }) } } },
        ...errorResponses(...AUTHED_ERRORS, 404),
      },
    },
  }, async (request, reply) => {
    const link = ctx.presenter.present(await ctx.links.get(actorOf(request), request.params.id));
    const options = { errorCorrectionLevel: 'M' as const, margin: 2, width: request.query.size };
    reply.header('Cache-Control', 'private, max-age=300');
    if (request.query.format === 'png') {
      const png = await QRCode.toBuffer(link.shortUrl, { ...options, type: 'png' });
      return reply.type('image/png').send(png as unknown as string); // bytes; the schema documents a binary string
    }
    return reply.type('image/svg+xml').send(await QRCode.toString(link.shortUrl, { ...options, type: 'svg' }));
  });
};
