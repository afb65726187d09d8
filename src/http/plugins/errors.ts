import type { FastifyError, FastifyInstance } from 'fastify';
import { DomainError, type ErrorCode, type FieldError } from '../../core/errors.js';
import { problem, sendProblem } from '../problems.js';

const BY_STATUS: Record<number, ErrorCode> = { 400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 409: 'conflict', 413: 'payload-too-large', 415: 'unsupported-media-type', 422: 'validation-failed', 429: 'quota-exceeded', 503: 'unavailable' };
const PART_PREFIX: Record<string, string> = { body: '', querystring: '/query', params: '/path', headers: '/headers' };

type AjvError = { instancePath: string; message?: string; keyword: string; params: Record<string, unknown> };

/** Ajv's messages as JSON Pointers: body errors point into the body, others into their part. */
function fieldErrors(error: FastifyError & { validation?: AjvError[] }): FieldError[] {
  const prefix = PART_PREFIX[error.validationContext ?? 'body'] ?? '';
  return (error.validation ?? []).map((e) => {
    const missing = e.keyword === 'required' ? `/${String(e.params.missingProperty)}` : '';
    const pointer = `${prefix}${e.instancePath}${missing}` || '/';
    const detail = e.keyword === 'required' ? 'is required' : e.keyword === 'enum' ? `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` : (e.message ?? 'is invalid');
    return { pointer, detail };
  });
}

/** Every error leaves as problem+json; nothing of a stack trace reaches the client. */
export function registerErrorHandling(app: FastifyInstance, baseUrl: string): void {
  app.setErrorHandler((error: FastifyError & { validation?: AjvError[] }, request, reply) => {
    if (error instanceof DomainError) {
      return sendProblem(reply, problem(baseUrl, error.code, error.message, error.fieldErrors), error.retryAfterSeconds);
    }
    if (error.validation) {
      const errors = fieldErrors(error);
      return sendProblem(reply, problem(baseUrl, 'validation-failed', errors.map((e) => `${e.pointer}: ${e.detail}`).join('; '), errors));
    }
    const status = error.statusCode ?? 500;
    const code = status < 500 ? BY_STATUS[status] ?? 'bad-request' : status === 503 ? 'unavailable' : 'internal';
    if (code === 'internal') {
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(reply, problem(baseUrl, 'internal', 'an unexpected error occurred; the request id identifies it in the logs'));
    }
    const detail = code === 'bad-request' && error instanceof SyntaxError ? `body is not valid JSON: ${error.message}`
      : code === 'unsupported-media-type' ? `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted; send application/json`
      : code === 'payload-too-large' ? `the body exceeds this route's limit of ${request.routeOptions.bodyLimit ?? 0} bytes`
      : error.message;
    return sendProblem(reply, problem(baseUrl, code, detail));
  });

  app.setNotFoundHandler((request, reply) => {
    sendProblem(reply, problem(baseUrl, 'not-found', `no route for ${request.method} ${request.url.split('?')[0]}`));
  });
}
