import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { prometheusSample as sample } from '../../scripts/prometheus-text.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`GET /metrics (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let base: string;
    before(async () => {
      t = await startCurt(engine);
      a = await createTenant(t);
      base = await listenOn(t.curt);
    });
    after(() => t.close());

    const scrape = async () => {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
      return res.text();
    };

    it('counts redirects by outcome and cache lookups, read from the hot path\'s counters', async () => {
      const created = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/m', slug: 'metric-go' } });
      assert.equal(created.statusCode, 201, created.body);
      for (let i = 0; i < 3; i++) assert.equal((await fetch(`${base}/metric-go`, { redirect: 'manual' })).status, 302);
      assert.equal((await fetch(`${base}/metric-missing`, { redirect: 'manual' })).status, 404);
      await t.curt.clicks.flush();
      const text = await scrape();
      assert.equal(sample(text, 'curt_redirects_total', 'outcome="redirected"'), 3);
      assert.equal(sample(text, 'curt_redirects_total', 'outcome="not-found"'), 1);
      assert.equal(sample(text, 'curt_redirects_total', 'outcome="shed"'), 0);
      const hits = sample(text, 'curt_redirect_cache_lookups_total', 'result="hit"')!;
      const misses = sample(text, 'curt_redirect_cache_lookups_total', 'result="miss"')!;
      assert.equal(hits + misses, 4);
      assert.ok(misses >= 1 && hits >= 1, text);
      assert.equal(sample(text, 'curt_redirect_cache_hit_ratio'), hits / 4);
      assert.equal(sample(text, 'curt_click_buffer_written_total'), 3);
      assert.equal(sample(text, 'curt_click_buffer_buffered'), 0);
      assert.equal(sample(text, 'curt_click_buffer_dropped_total'), 0);
    });

    it('times routed requests by route pattern, method and status, never by raw URL', async () => {
      const list = await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(a.key) });
      assert.equal(list.statusCode, 200);
      const missing = await t.curt.app.inject({ url: '/api/v1/links/lnk_doesnotexist123', headers: bearer(a.key) });
      assert.equal(missing.statusCode, 404);
      const text = await scrape();
      assert.ok((sample(text, 'curt_http_request_duration_seconds_count', 'route="/api/v1/links",method="GET",status="200"') ?? 0) >= 1, text);
      assert.ok((sample(text, 'curt_http_request_duration_seconds_count', 'route="/api/v1/links/:id",method="GET",status="404"') ?? 0) >= 1, text);
      assert.doesNotMatch(text, /lnk_doesnotexist123/);
    });

    it('reports job queue depth, database use, process metrics and load shedding state', async () => {
      const text = await scrape();
      for (const state of ['queued', 'running', 'dead']) assert.ok(sample(text, 'curt_jobs', `state="${state}"`)! >= 0, state);
      if (engine.name === 'postgres') {
        const total = sample(text, 'curt_db_pool_connections', 'state="total"')!;
        assert.ok(total >= 1 && total <= sample(text, 'curt_db_pool_connections', 'state="max"')!, text);
        assert.ok(sample(text, 'curt_db_pool_connections', 'state="idle"')! <= total);
      } else {
        assert.ok(sample(text, 'curt_db_queries_in_flight')! >= 0);
      }
      assert.ok(sample(text, 'curt_process_resident_memory_bytes')! > 0);
      assert.equal(sample(text, 'curt_overloaded'), 0);
      assert.equal(sample(text, 'curt_event_loop_stalls_total'), 0);
      assert.match(text, /# TYPE curt_job_runs_total counter/);
      assert.match(text, /# TYPE curt_webhook_deliveries_total counter/);
    });

    it('counts job runs by name and outcome', async () => {
      await t.curt.worker.drain();
      const text = await scrape();
      assert.match(text, /curt_job_runs_total\{name="[a-z.-]+",outcome="succeeded"\} [1-9]/);
    });
  });
}

describe('GET /metrics with CURT_METRICS_TOKEN', () => {
  let t: TestCurt;
  const token = 'scrape-token-0123456789';
  before(async () => { t = await startCurt(engines[0]!, { CURT_METRICS_TOKEN: token }); });
  after(() => t.close());

  it('answers 401 problem without the bearer token, 200 with it', async () => {
    const none = await t.curt.app.inject({ url: '/metrics' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().code, 'unauthorized');
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="metrics"');
    assert.equal((await t.curt.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401);
    const ok = await t.curt.app.inject({ url: '/metrics', headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.statusCode, 200);
    assert.match(ok.body, /curt_redirects_total/);
  });
});

describe('GET /metrics in every role', () => {
  for (const role of ['api', 'redirect', 'worker'] as const) {
    it(`is served by role ${role}`, async () => {
      const t = await startCurt(engines[0]!, {}, { role });
      try {
        const res = await t.curt.app.inject({ url: '/metrics' });
        assert.equal(res.statusCode, 200);
        assert.match(res.body, /^# HELP /m);
      } finally {
        await t.close();
      }
    });
  }
});

describe('load shedding', () => {
  let t: TestCurt;
  let a: Tenant;
  let base: string;
  let pressure = false;
  before(async () => {
    t = await startCurt(engines[0]!, {}, { observability: { shedding: { pressure: () => pressure, retryAfterSeconds: 7 } } });
    a = await createTenant(t);
    base = await listenOn(t.curt);
    const created = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/s', slug: 'shed-me' } });
    assert.equal(created.statusCode, 201, created.body);
  });
  after(() => t.close());

  it('answers API requests and redirects 503 overloaded with Retry-After while under pressure', async () => {
    pressure = true;
    try {
      const api = await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(a.key) });
      assert.equal(api.statusCode, 503);
      assert.equal(api.headers['retry-after'], '7');
      assert.equal(api.json().code, 'overloaded');
      const redirect = await fetch(`${base}/shed-me`, { redirect: 'manual', headers: { accept: 'application/json' } });
      assert.equal(redirect.status, 503);
      assert.equal(redirect.headers.get('retry-after'), '7');
      assert.equal(((await redirect.json()) as { code: string }).code, 'overloaded');
    } finally {
      pressure = false;
    }
    assert.equal((await fetch(`${base}/shed-me`, { redirect: 'manual' })).status, 302);
    assert.equal((await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(a.key) })).statusCode, 200);
  });

  it('never sheds /healthz, /readyz or /metrics, and counts what it shed', async () => {
    pressure = true;
    try {
      for (const url of ['/healthz', '/readyz', '/metrics']) {
        assert.equal((await fetch(`${base}${url}`)).status, 200, url);
      }
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.equal(sample(text, 'curt_overloaded'), 1);
      assert.equal(sample(text, 'curt_shed_requests_total'), 1);
      assert.equal(sample(text, 'curt_redirects_total', 'outcome="shed"'), 1);
    } finally {
      pressure = false;
    }
  });
});
