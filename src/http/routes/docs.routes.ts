import '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { PROBLEMS } from '../problems.js';
import { escapeHtml, page } from '../redirect/pages.js';

const MEANING: Record<string, string> = {
  'bad-request': 'The request could not be read: malformed JSON, a bad header.',
  unauthorized: 'No credentials, or an unknown, malformed or revoked API key or session.',
  'invalid-credentials': 'E-mail or password is wrong.',
  forbidden: 'Authenticated, but not allowed: role, a key acting outside its workspace, or a cross-site cookie write.',
  'insufficient-scope': 'The API key lacks the scope this route needs.',
  'signup-closed': 'Self sign-up is off (CURT_SIGNUP); an administrator creates accounts.',
  'not-found': 'No such object in this workspace (other workspaces\' objects are reported the same way).',
  'slug-taken': 'Another link on that domain already uses the slug.',
  'email-taken': 'An account with that e-mail exists.',
  conflict: 'The request conflicts with the current state.',
  'idempotency-in-progress': 'The first request with this Idempotency-Key is still running.',
  'link-expired': 'The link expired, was used up (maxClicks) or disabled.',
  'payload-too-large': 'The body exceeds the route\'s size limit.',
  'unsupported-media-type': 'Send Content-Type: application/json.',
  'idempotency-key-reused': 'The Idempotency-Key was used with a different request within 24 h.',
  'validation-failed': 'One or more fields are invalid; errors[] points at each with a JSON Pointer.',
  'quota-exceeded': 'Rate limited; wait Retry-After seconds.',
  internal: 'An unexpected error; the X-Request-Id identifies it in the server log.',
  unavailable: 'A backing service is unreachable; retry after Retry-After seconds.',
  'job-not-retryable': 'Only dead jobs can be retried by hand.',
  overloaded: 'The server sheds load while its event loop lags; retry after Retry-After seconds.',
};

/** The page that problem `type` URIs point at. */
export function registerProblemDocs(app: FastifyInstance): void {
  const rows = Object.entries(PROBLEMS).map(([code, p]) =>
    `<tr id="${code}"><td><code>${code}</code></td><td>${p.status}</td><td>${escapeHtml(p.title)}</td><td>${escapeHtml(MEANING[code] ?? '')}</td></tr>`).join('');
  const html = page('Curt API problems', `<h1>Problem types</h1><p>Every error is <code>application/problem+json</code> (RFC 9457); <code>code</code> is stable.</p>
    <table><thead><tr><th>code</th><th>status</th><th>title</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>`);
  app.get('/docs/problems', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
}
