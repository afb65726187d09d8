import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LiveEvent } from '../../src/core/events/live-event.js';
import { EventPresenter } from '../../src/http/event-presenter.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

interface JobView { id: string; name: string; state: string; attempt: number; maxAttempts: number | null; runAt: string; lastError: string | null; createdAt: string; updatedAt: string }

for (const engine of engines) {
  describe(`jobs API (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    let b: Tenant;
    let failing = true;
    const planned: string[] = [];
    const get = (url: string, key: string) => t.curt.app.inject({ url, headers: bearer(key) });
    const retry = (id: string, key: string) => t.curt.app.inject({ method: 'POST', url: `/api/v1/jobs/${id}/retry`, headers: bearer(key) });

    before(async () => {
      t = await startCurt(engine, {}, {
        jobs: { pollMs: 60_000, subscribers: [{ name: 'test', plan: async (e) => { planned.push(`${e.type} ${e.linkId}`); return []; } }] },
      });
      a = await createTenant(t, 'a');
      b = await createTenant(t, 'b');
      t.curt.worker.define({ name: 'test.flaky', maxAttempts: 1, handler: async () => { if (failing) throw new Error('endpoint down'); } });
    });
    after(() => t.close());

    it('a link created through the API is dispatched to subscribers and published live as the API shows it', async () => {
      const live: LiveEvent[] = [];
      const unsubscribe = await t.curt.events.subscribe(a.workspaceId, (e) => live.push(e));
      const created = await t.curt.app.inject({ method: 'POST', url: '/api/v1/links', headers: bearer(a.key), payload: { url: 'https://example.com/jobs', tags: ['t'] } });
      assert.equal(created.statusCode, 201);
      const link = created.json() as { id: string };
      await t.curt.worker.drain();
      unsubscribe();
      assert.deepEqual(planned, [`link.created ${link.id}`]);
      const event = live.find((e) => e.type === 'link.created');
      assert.ok(event, 'link.created reached the live feed');
      const envelope = new EventPresenter(t.config.baseUrl).present(event);
      assert.deepEqual(envelope.data, created.json(), 'GET /events sends the link as POST /links answered it');
      const jobs = (await get('/api/v1/jobs', a.key)).json() as { data: JobView[]; depth: Record<string, number> };
      const dispatch = jobs.data.find((j) => j.name === 'events.dispatch');
      assert.ok(dispatch);
      assert.equal(dispatch.state, 'succeeded');
      assert.equal(dispatch.attempt, 1);
      assert.equal((await get('/api/v1/jobs', b.key)).json().data.length, 0, 'another workspace sees none of them');
    });

    it('GET /jobs shows dead jobs with their error; a dead job retried runs again; others cannot see or retry it', async () => {
      const [id] = await t.curt.jobs.enqueue([{ name: 'test.flaky', payload: {}, workspaceId: a.workspaceId }]);
      await t.curt.worker.drain();
      const res = await get('/api/v1/jobs?state=dead', a.key);
      assert.equal(res.statusCode, 200);
      const body = res.json() as { data: JobView[]; depth: { queued: number; running: number; dead: number }; nextCursor: string | null };
      assert.deepEqual(body.data.map((j) => j.id), [id]);
      assert.equal(body.data[0]!.lastError, 'attempt 1 of 1: endpoint down');
      assert.equal(body.data[0]!.maxAttempts, 1);
      assert.deepEqual(body.depth, { queued: 0, running: 0, dead: 1 });
      assert.equal(body.nextCursor, null);

      assert.equal((await retry(id!, b.key)).statusCode, 404, 'another workspace\'s job does not exist for it');
      failing = false;
      const retried = await retry(id!, a.key);
      assert.equal(retried.statusCode, 200);
      assert.equal(retried.json().state, 'queued');
      assert.equal(retried.json().attempt, 0);
      await t.curt.worker.drain();
      const again = await retry(id!, a.key);
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().code, 'job-not-retryable');
      assert.equal((await get('/api/v1/jobs?state=succeeded&limit=100', a.key)).json().data.some((j: JobView) => j.id === id), true);
      assert.equal((await retry('job_missing', a.key)).statusCode, 404);
    });

    it('pages with a cursor and validates the state filter', async () => {
      await t.curt.jobs.enqueue(Array.from({ length: 3 }, () => ({ name: 'test.flaky', payload: {}, workspaceId: a.workspaceId, runAt: new Date(Date.now() + 3_600_000) })));
      const first = (await get('/api/v1/jobs?limit=2', a.key)).json() as { data: JobView[]; nextCursor: string | null; depth: { queued: number } };
      assert.equal(first.data.length, 2);
      assert.equal(first.depth.queued, 3);
      assert.ok(first.nextCursor);
      const second = (await get(`/api/v1/jobs?limit=2&cursor=${first.nextCursor}`, a.key)).json() as { data: JobView[] };
      assert.equal(second.data.some((j) => first.data.some((f) => f.id === j.id)), false);
      assert.equal((await get('/api/v1/jobs?state=stuck', a.key)).statusCode, 422);
      assert.equal((await get('/api/v1/jobs?cursor=nonsense', a.key)).statusCode, 422);
    });

    it('is documented in the OpenAPI document', async () => {
      const doc = (await t.curt.app.inject('/api/v1/openapi.json')).json() as { paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
      assert.ok(doc.paths['/api/v1/jobs']);
      assert.ok(doc.paths['/api/v1/jobs/{id}/retry']);
      assert.ok(doc.components.schemas.Job);
    });
  });
}
