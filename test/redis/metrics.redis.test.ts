import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type TestCurt } from '../support/harness.js';
import { redisSkip, redisUrl, uniquePrefix } from '../support/redis.js';

const skip = await redisSkip();

describe('/readyz and /metrics with Redis', { skip, timeout: 60_000 }, () => {
  let t: TestCurt;
  let base: string;
  before(async () => {
    t = await startCurt(engines[0]!, { REDIS_URL: redisUrl, CURT_REDIS_PREFIX: uniquePrefix() });
    base = await listenOn(t.curt);
  });
  after(() => t.close());

  it('is ready when the database and Redis answer', async () => {
    const res = await t.curt.app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 200, res.body);
  });

  it('reports the click stream length, pending entries and lag', async () => {
    const a = await createTenant(t);
    const created = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/r', slug: 'stream-go' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal((await fetch(`${base}/stream-go`, { redirect: 'manual' })).status, 302);
    const text = (await t.curt.app.inject({ url: '/metrics' })).body;
    for (const name of ['curt_click_stream_length', 'curt_click_stream_pending', 'curt_click_stream_lag']) {
      assert.match(text, new RegExp(`^${name} \\d+$`, 'm'), name);
    }
  });
});

describe('/readyz with Redis unreachable', { timeout: 60_000 }, () => {
  let t: TestCurt;
  before(async () => {
    // Nothing listens on port 1: every connection attempt is refused.
    t = await startCurt(engines[0]!, { REDIS_URL: 'redis://127.0.0.1:1', CURT_REDIS_PREFIX: uniquePrefix() }, { role: 'redirect' });
  });
  after(() => t.close());

  it('answers 503 problem naming Redis; the database is fine', async () => {
    const res = await t.curt.app.inject({ url: '/readyz' });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().code, 'unavailable');
    assert.equal(res.json().detail, 'unreachable: redis');
    assert.equal(res.headers['retry-after'], '5');
    assert.equal((await t.curt.app.inject({ url: '/healthz' })).statusCode, 200);
  });

  it('still serves /metrics, the stream figures it cannot read as NaN', async () => {
    const res = await t.curt.app.inject({ url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /^curt_click_stream_length NaN$/im);
    assert.match(res.body, /^curt_click_buffer_buffered \d/m);
  });
});
