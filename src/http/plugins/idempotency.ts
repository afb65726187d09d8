import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyService } from '../../core/idempotency/idempotency-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotency: { scope: string; key: string } | null;
  }
  interface FastifyContextConfig {
    /** Fields removed from the stored copy of the response (secrets shown once). */
    idempotencyRedact?: string[];
  }
}

/**
 * SPEC §4 Idempotency-Key on authenticated POSTs. Runs after the guard (it scopes keys
 * per caller), so register its preHandler last. Responses are stored when sent; a 5xx
 * releases the key so the client may retry.
 */
export function registerIdempotency(app: FastifyInstance, service: IdempotencyService): void {
  app.decorateRequest('idempotency', null);

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !request.actor) return;
    const principal = request.actor.apiKeyId ?? request.actor.userId;
    const scope = `${principal}:${request.actor.workspaceId}:${request.routeOptions.url}`;
    const hash = createHash('sha256').update(request.url).update('\n').update(JSON.stringify(request.body ?? null)).digest('hex');
    const replay = await service.begin(scope, key, hash);
    if (replay) {
      reply.header('Idempotent-Replayed', 'true').code(replay.status);
      if (replay.contentType) reply.type(replay.contentType);
      return reply.serializer((payload: unknown) => String(payload)).send(replay.body);
    }
    request.idempotency = { scope, key };
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency;
    if (!claim) return payload;
    request.idempotency = null;
    if (reply.statusCode >= 500) {
      await service.abandon(claim.scope, claim.key);
      return payload;
    }
    const redact = request.routeOptions.config.idempotencyRedact ?? [];
    let body = typeof payload === 'string' ? payload : '';
    if (redact.length > 0 && body) {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      for (const field of redact) delete parsed[field];
      body = JSON.stringify(parsed);
    }
    await service.finish(claim.scope, claim.key, { status: reply.statusCode, contentType: String(reply.getHeader('content-type') ?? ''), body });
    return payload;
  });

  // A request that died before onSend (client gone) must not hold its key forever as "running".
  app.addHook('onResponse', async (request) => {
    if (request.idempotency) await service.abandon(request.idempotency.scope, request.idempotency.key);
  });
}
