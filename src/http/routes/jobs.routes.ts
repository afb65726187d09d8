import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JOB_STATES, type JobRecord } from '../../core/jobs/job-store.js';
import { AUTHED_ERRORS, IdParams, IdempotencyHeaders, PageQuery, errorResponses, security, WorkspaceQuery } from '../schemas/common.js';
import { actorOf, type RouteContext } from './context.js';

export const JobSchema = Type.Object({
  id: Type.String(),
  name: Type.String({ description: 'What the job does, e.g. events.dispatch, webhook.deliver' }),
  state: Type.Union(JOB_STATES.map((s) => Type.Literal(s)), { description: 'queued (also between retries), running, succeeded or dead' }),
  attempt: Type.Integer({ description: 'Runs started so far' }),
  maxAttempts: Type.Union([Type.Integer(), Type.Null()], { description: 'null until a worker first runs the job' }),
  runAt: Type.String({ format: 'date-time', description: 'When it runs (next)' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
}, { $id: 'Job' });

const view = (j: JobRecord) => ({
  id: j.id, name: j.name, state: j.state, attempt: j.attempt, maxAttempts: j.maxAttempts, runAt: j.runAt.toISOString(),
  lastError: j.lastError, createdAt: j.createdAt.toISOString(), updatedAt: j.updatedAt.toISOString(),
});

const Depth = Type.Object({
  queued: Type.Integer(), running: Type.Integer(), dead: Type.Integer(),
}, { description: 'Jobs of the workspace per state; each count stops at 10,000 (10000 means at least that many)' });

/** The workspace's background jobs (webhook deliveries, notifications, event dispatch). */
export const jobRoutes = (ctx: RouteContext): FastifyPluginAsyncTypebox => async (app) => {
  const tags = ['jobs'];
  app.get('/jobs', {
    onRequest: ctx.guard('workspace:admin'),
    schema: { tags, summary: 'List the workspace\'s jobs, newest first, with the queue depth', security: security('workspace:admin'),
      querystring: Type.Object({ ...PageQuery, state: Type.Optional(Type.Union(JOB_STATES.map((s) => Type.Literal(s)))), workspaceId: Type.Optional(Type.String({ maxLength: 64 })) }),
      response: { 200: Type.Object({ data: Type.Array(Type.Ref('Job')), depth: Depth, nextCursor: Type.Union([Type.String(), Type.Null()]) }), ...errorResponses(...AUTHED_ERRORS) } },
  }, async (request) => {
    const result = await ctx.jobs.list(actorOf(request), request.query);
    return { data: result.jobs.map(view), depth: result.depth, nextCursor: result.nextCursor };
  });

  app.post('/jobs/:id/retry', {
    onRequest: ctx.guard('workspace:admin'),
    schema: { tags, summary: 'Run a dead job again, with a fresh attempt budget', security: security('workspace:admin'), params: IdParams, querystring: WorkspaceQuery, headers: IdempotencyHeaders,
      response: { 200: Type.Ref('Job', { description: 'The job, queued to run again' }), ...errorResponses(...AUTHED_ERRORS, 404, 409) } },
  }, async (request) => view(await ctx.jobs.retry(actorOf(request), request.params.id)));
};
