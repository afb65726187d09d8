import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlIdempotencyStore } from '../../src/adapters/db/repositories/idempotency-store.sql.js';
import { SqlSessionRepository } from '../../src/adapters/db/repositories/session-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { IdempotencyService } from '../../src/core/idempotency/idempotency-service.js';
import { Housekeeping } from '../../src/core/maintenance/housekeeping.js';
import { engines } from '../support/engines.js';

for (const engine of engines) {
  describe(`housekeeping (${engine.name})`, () => {
    let handle: DatabaseHandle;
    before(async () => { handle = await engine.open(); });
    after(() => handle.close());

    it('deletes expired sessions and idempotency records past 24 h, and nothing live', async () => {
      const now = new Date('2030-06-01T12:00:00Z');
      await new SqlUserRepository(handle.db).create({ id: 'usr_h', email: 'h@example.com', passwordHash: null, isAdmin: false, personalWorkspace: { id: 'ws_h', name: 'P' } });
      const sessions = new SqlSessionRepository(handle.db);
      await sessions.create('expired', 'usr_h', new Date('2030-06-01T11:59:59Z'));
      await sessions.create('live', 'usr_h', new Date('2030-06-02T00:00:00Z'));
      await handle.db.insertInto('idempotency_keys').values([
        { scope: 's', key: 'old', request_hash: 'h', state: 'done', created_at: new Date('2030-05-31T11:00:00Z') },
        { scope: 's', key: 'fresh', request_hash: 'h', state: 'done', created_at: new Date('2030-06-01T11:00:00Z') },
      ]).execute();
      const result = await new Housekeeping(sessions, new IdempotencyService(new SqlIdempotencyStore(handle.db), () => now), () => now).run();
      assert.deepEqual(result, { sessions: 1, idempotencyKeys: 1 });
      assert.deepEqual((await handle.db.selectFrom('sessions').select('token_hash').execute()).map((r) => r.token_hash), ['live']);
      assert.deepEqual((await handle.db.selectFrom('idempotency_keys').select('key').execute()).map((r) => r.key), ['fresh']);
    });
  });
}
