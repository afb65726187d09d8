import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`Idempotency-Key (${engine.name})`, () => {
    let t: TestCurt;
    let a: Tenant;
    before(async () => { t = await startCurt(engine); a = await createTenant(t); });
    after(() => t.close());
    const post = (url: string, payload: unknown, key: string, auth = a.key) =>
      t.curt.app.inject({ method: 'POST', url, payload: payload as object, headers: { ...bearer(auth), 'idempotency-key': key } });

    it('replays the first response for the same key and body', async () => {
      const first = await post('/api/v1/links', { url: 'https://example.com/idem' }, 'k-1');
      assert.equal(first.statusCode, 201);
      assert.equal(first.headers['idempotent-replayed'], undefined);
      const again = await post('/api/v1/links', { url: 'https://example.com/idem' }, 'k-1');
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.deepEqual(again.json(), first.json());
      const list = (await t.curt.app.inject({ url: '/api/v1/links?url=https%3A%2F%2Fexample.com%2Fidem', headers: bearer(a.key) })).json();
      assert.equal(list.data.length, 1, 'only one link was created');
    });

    it('refuses the same key with a different body (422)', async () => {
      await post('/api/v1/links', { url: 'https://example.com/one' }, 'k-2');
      const res = await post('/api/v1/links', { url: 'https://example.com/two' }, 'k-2');
      assert.equal(res.statusCode, 422);
      assert.equal(res.json().code, 'idempotency-key-reused');
    });

    it('answers 409 while the first request is still running', async () => {
      const list = (await t.curt.app.inject({ url: '/api/v1/api-keys', headers: bearer(a.key) })).json();
      const keyId = list.data.find((k: { id: string }) => k.id).id as string;
      const url = '/api/v1/links';
      const body = { url: 'https://example.com/slow' };
      // The first attempt holds the key: claim it exactly as the plugin does, then retry.
      const { createHash } = await import('node:crypto');
      const hash = createHash('sha256').update(url).update('\n').update(JSON.stringify(body)).digest('hex');
      await t.handle.db.insertInto('idempotency_keys').values({ scope: `${keyId}:${a.workspaceId}:${url}`, key: 'k-3', request_hash: hash, state: 'running' }).execute();
      const res = await post(url, body, 'k-3');
      assert.equal(res.statusCode, 409);
      assert.equal(res.json().code, 'idempotency-in-progress');
    });

    it('keys are per caller: another tenant may use the same key', async () => {
      const b = await createTenant(t);
      const res = await post('/api/v1/links', { url: 'https://example.com/idem' }, 'k-1', b.key);
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers['idempotent-replayed'], undefined);
    });

    it('failed validation is replayed too; the secret of a new API key is not stored', async () => {
      const bad = await post('/api/v1/links', { url: 'javascript:1' }, 'k-4');
      assert.equal((await post('/api/v1/links', { url: 'javascript:1' }, 'k-4')).headers['idempotent-replayed'], 'true');
      assert.equal(bad.statusCode, 422);
      const created = await post('/api/v1/api-keys', { scopes: ['links:read'] }, 'k-5');
      assert.equal(created.statusCode, 201);
      assert.match(created.json().key, /^curt_/);
      const replay = await post('/api/v1/api-keys', { scopes: ['links:read'] }, 'k-5');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.json().id, created.json().id);
      assert.equal(replay.json().key, undefined);
      const stored = await t.handle.db.selectFrom('idempotency_keys').select('response_body').where('key', '=', 'k-5').executeTakeFirstOrThrow();
      assert.equal(stored.response_body!.includes(created.json().key), false);
    });

    it('refuses malformed keys', async () => {
      const res = await post('/api/v1/links', { url: 'https://example.com/' }, 'x'.repeat(256));
      assert.equal(res.statusCode, 422);
    });
  });
}
