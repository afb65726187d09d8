import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { startCurt, type TestCurt } from '../support/harness.js';

const engine = engines[0]!;

describe('documentation and operations', () => {
  let t: TestCurt;
  before(async () => { t = await startCurt(engine); });
  after(() => t.close());

  it('publishes OpenAPI 3.1 with every API route, its errors and headers', async () => {
    const res = await t.curt.app.inject('/api/v1/openapi.json');
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, any>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } };
    assert.equal(doc.openapi, '3.1.0');
    for (const name of ['Problem', 'Link', 'ApiKey', 'User', 'Click', 'LiveEvent']) assert.ok(doc.components.schemas[name], name);
    assert.ok(doc.components.securitySchemes.apiKey && doc.components.securitySchemes.session);
    const expected = ['post /api/v1/auth/signup', 'post /api/v1/auth/login', 'post /api/v1/auth/logout', 'get /api/v1/me', 'get /api/v1/api-keys',
      'post /api/v1/api-keys', 'delete /api/v1/api-keys/{id}', 'get /api/v1/links', 'post /api/v1/links', 'post /api/v1/links/bulk',
      'get /api/v1/links/{id}', 'patch /api/v1/links/{id}', 'delete /api/v1/links/{id}', 'get /api/v1/tags', 'get /api/v1/clicks', 'get /api/v1/events', 'get /api/v1/analytics',
      'get /healthz', 'get /readyz', 'get /metrics'];
    for (const op of expected) {
      const [method, path] = op.split(' ') as [string, string];
      const operation = doc.paths[path]?.[method];
      assert.ok(operation, `${op} is documented`);
      const statuses = Object.keys(operation.responses);
      assert.ok(statuses.some((s) => s.startsWith('2')), `${op} documents success`);
      if (path.startsWith('/api/v1/') && !path.includes('/auth/')) {
        for (const s of ['401', '403', '422', '429']) assert.ok(statuses.includes(s), `${op} documents ${s}`);
        assert.ok(operation.security, `${op} documents its security`);
        for (const s of [...statuses.filter((x) => x.startsWith('2')), '429']) {
          assert.ok(operation.responses[s].headers?.RateLimit && operation.responses[s].headers?.['RateLimit-Policy'], `${op} ${s} documents the RateLimit headers`);
        }
        assert.equal(operation.responses['401'].content['application/problem+json'].schema.$ref, '#/components/schemas/Problem');
      }
      for (const [status, response] of Object.entries(operation.responses as Record<string, { headers?: Record<string, unknown> }>)) {
        assert.deepEqual((response.headers?.['X-Request-Id'] as { schema?: unknown })?.schema, { type: 'string' }, `${op} ${status} documents X-Request-Id`);
        if (status === '429') assert.ok(response.headers?.['Retry-After'], `${op} 429 documents Retry-After`);
        if (method === 'post' && status.startsWith('2')) assert.ok(response.headers?.['Idempotent-Replayed'], `${op} documents Idempotent-Replayed`);
      }
      if (method === 'post' && !path.includes('/auth/')) assert.ok(operation.parameters?.some((p: { name: string; in: string }) => p.name === 'idempotency-key' && p.in === 'header'), `${op} documents Idempotency-Key`);
    }
    assert.ok(doc.paths['/api/v1/auth/login']!.post.responses['200'].headers.RateLimit, 'rate-limit headers are documented');
  });

  it('serves the interactive reference from local assets', async () => {
    const res = await t.curt.app.inject('/docs/');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/html/);
    assert.doesNotMatch(res.body, /https?:\/\/(cdn|unpkg|cdnjs|jsdelivr)/);
    const problems = await t.curt.app.inject('/docs/problems');
    assert.equal(problems.statusCode, 200);
    for (const code of ['validation-failed', 'slug-taken', 'quota-exceeded', 'insufficient-scope']) assert.match(problems.body, new RegExp(`id="${code}"`));
  });

  it('answers health and readiness', async () => {
    assert.deepEqual((await t.curt.app.inject('/healthz')).json(), { status: 'ok' });
    assert.deepEqual((await t.curt.app.inject('/readyz')).json(), { status: 'ready' });
  });

  it('honours a well-formed X-Request-Id and generates one otherwise', async () => {
    const given = await t.curt.app.inject({ url: '/healthz', headers: { 'x-request-id': 'trace-123.abc' } });
    assert.equal(given.headers['x-request-id'], 'trace-123.abc');
    const generated = await t.curt.app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\twith junk' } });
    assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    const problem = await t.curt.app.inject({ url: '/api/v1/nope', headers: { 'x-request-id': 'err-1' } });
    assert.equal(problem.headers['x-request-id'], 'err-1');
  });
});
