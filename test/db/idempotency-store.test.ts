import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlIdempotencyStore } from '../../src/adapters/db/repositories/idempotency-store.sql.js';
import { engines } from '../support/engines.js';
import { unique } from './fixtures.js';

const DAY = 24 * 3_600_000;
const since = () => new Date(Date.now() - DAY);
/** A `since` after every existing record: each one counts as outlived. */
const future = () => new Date(Date.now() + 60_000);

for (const engine of engines) {
  describe(`SqlIdempotencyStore on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let store: SqlIdempotencyStore;
    const row = (scope: string, key: string) => db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    const age = (scope: string, createdAt: Date) => db.updateTable('idempotency_keys').set({ created_at: createdAt }).where('scope', '=', scope).execute();

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      store = new SqlIdempotencyStore(db);
    });
    after(async () => { await handle.close(); });

    it('claims a new key, then reports the running record to later claims', async () => {
      const scope = unique('ws');
      assert.equal(await store.claim(scope, 'k', 'hash-1', since()), null);
      assert.deepEqual(await store.claim(scope, 'k', 'hash-1', since()), { requestHash: 'hash-1', state: 'running', response: null });
      assert.deepEqual(await store.claim(scope, 'k', 'hash-2', since()), { requestHash: 'hash-1', state: 'running', response: null },
        'another body sees the first request hash');
      assert.equal(await store.claim(unique('ws'), 'k', 'hash-1', since()), null, 'keys are per scope');
      assert.equal(await store.claim(scope, 'K', 'hash-1', since()), null, 'keys are case-sensitive');
    });

    it('replays the stored response after complete()', async () => {
      const scope = unique('ws');
      await store.claim(scope, 'k', 'h', since());
      const response = { status: 201, contentType: 'application/json; charset=utf-8', body: '{"id":"lnk_1","title":"ünï"}' };
      await store.complete(scope, 'k', response);
      assert.deepEqual(await store.claim(scope, 'k', 'h', since()), { requestHash: 'h', state: 'done', response });
      await store.claim(scope, 'empty', 'h', since());
      await store.complete(scope, 'empty', { status: 204, contentType: null, body: '' });
      assert.deepEqual((await store.claim(scope, 'empty', 'h', since()))?.response, { status: 204, contentType: null, body: '' });
    });

    it('takes over a record older than `since`, clearing its response', async () => {
      const scope = unique('ws');
      await store.claim(scope, 'k', 'old', since());
      await store.complete(scope, 'k', { status: 200, contentType: 'text/plain', body: 'old' });
      await age(scope, new Date(Date.now() - DAY - 60_000));
      assert.equal(await store.claim(scope, 'k', 'new', since()), null);
      const taken = await row(scope, 'k');
      assert.deepEqual([taken?.request_hash, taken?.state, taken?.response_status, taken?.response_type, taken?.response_body], ['new', 'running', null, null, null]);
      assert.ok(taken!.created_at.getTime() > Date.now() - 60_000, 'the take-over restarts its age');
      assert.deepEqual(await store.claim(scope, 'k', 'new', since()), { requestHash: 'new', state: 'running', response: null });
      assert.equal(await store.claim(scope, 'k', 'newer', future()), null, 'a running record is taken over too');
      assert.equal((await row(scope, 'k'))?.request_hash, 'newer');
    });

    it('gives a key to exactly one of several concurrent claims', async () => {
      const scope = unique('ws');
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claim(scope, 'k', `h${i}`, since())));
      assert.equal(results.filter((r) => r === null).length, 1);
      const winner = (await row(scope, 'k'))!.request_hash;
      for (const r of results) if (r !== null) assert.deepEqual(r, { requestHash: winner, state: 'running', response: null });
    });

    it('release deletes running records only', async () => {
      const scope = unique('ws');
      await store.claim(scope, 'running', 'h', since());
      await store.release(scope, 'running');
      assert.equal(await row(scope, 'running'), undefined);
      assert.equal(await store.claim(scope, 'running', 'h2', since()), null, 'free for a retry');
      await store.claim(scope, 'done', 'h', since());
      await store.complete(scope, 'done', { status: 200, contentType: null, body: 'ok' });
      await store.release(scope, 'done');
      assert.equal((await store.claim(scope, 'done', 'h', since()))?.state, 'done');
      await store.release(scope, 'never-claimed');
    });

    it('purge deletes records created before the cut-off and counts them', async () => {
      const oldScope = unique('ws');
      const newScope = unique('ws');
      for (const key of ['a', 'b', 'c']) await store.claim(oldScope, key, 'h', since());
      await store.complete(oldScope, 'b', { status: 200, contentType: null, body: '' });
      await store.claim(newScope, 'a', 'h', since());
      await age(oldScope, new Date('2000-01-01T00:00:00Z'));
      assert.equal(await store.purge(new Date('2001-01-01T00:00:00Z')), 3);
      for (const key of ['a', 'b', 'c']) assert.equal(await row(oldScope, key), undefined);
      assert.ok(await row(newScope, 'a'));
      assert.equal(await store.purge(new Date('2001-01-01T00:00:00Z')), 0);
    });
  });
}
