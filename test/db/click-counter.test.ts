import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SqlClickCounter } from '../../src/adapters/db/click-counter.sql.js';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser } from './fixtures.js';

for (const engine of engines) {
  describe(`SqlClickCounter on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let workspaceId: string;
    /** Two fresh links with no clicks. */
    async function twoLinks(): Promise<[string, string]> {
      const links = [buildLink(workspaceId), buildLink(workspaceId)];
      await new SqlLinkRepository(db).insertMany(links);
      return [links[0]!.id, links[1]!.id];
    }
    async function clicks(id: string): Promise<number> {
      const row = await db.selectFrom('links').select('clicks').where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(typeof row.clicks, 'number');
      return row.clicks;
    }
    const record = (counter: SqlClickCounter, id: string, n: number) => { for (let i = 0; i < n; i++) counter.record(id); };

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      workspaceId = (await createUser(db)).workspaceId;
    });
    after(async () => { await handle.close(); });

    it('adds the recorded clicks of each link on flush, and pending() counts the unflushed ones', async () => {
      const [a, b] = await twoLinks();
      const counter = new SqlClickCounter(db);
      record(counter, a, 3);
      record(counter, b, 5);
      assert.deepEqual([counter.pending(a), counter.pending(b), counter.pending('lnk_other')], [3, 5, 0]);
      await counter.flush();
      assert.deepEqual([await clicks(a), await clicks(b)], [3, 5]);
      assert.deepEqual([counter.pending(a), counter.pending(b)], [0, 0]);
      record(counter, a, 2);
      await counter.flush();
      assert.deepEqual([await clicks(a), await clicks(b)], [5, 5], 'added to, not overwritten');
      await counter.flush();
      assert.equal(await clicks(a), 5, 'an empty flush writes nothing');
    });

    it('still counts clicks as pending while their flush is in flight', async () => {
      const [a] = await twoLinks();
      const counter = new SqlClickCounter(db);
      record(counter, a, 4);
      const flushing = counter.flush();
      counter.record(a);
      assert.equal(counter.pending(a), 5);
      await flushing;
      await counter.flush();
      assert.equal(counter.pending(a), 0);
      assert.equal(await clicks(a), 5);
    });

    it('keeps the counts of a failed flush for the next one', async () => {
      const [a, b] = await twoLinks();
      const counter = new SqlClickCounter(db);
      record(counter, a, 2);
      record(counter, b, 1);
      await sql`alter table links rename to links_away`.execute(db);
      try {
        await assert.rejects(counter.flush());
        assert.deepEqual([counter.pending(a), counter.pending(b)], [2, 1]);
        counter.record(a);
        await assert.rejects(counter.flush());
        assert.equal(counter.pending(a), 3);
      } finally {
        await sql`alter table links_away rename to links`.execute(db);
      }
      await counter.flush();
      assert.deepEqual([await clicks(a), await clicks(b)], [3, 1]);
      assert.deepEqual([counter.pending(a), counter.pending(b)], [0, 0]);
    });

    it('drops the clicks of links deleted meanwhile without failing the others', async () => {
      const [a, b] = await twoLinks();
      const counter = new SqlClickCounter(db);
      record(counter, a, 2);
      record(counter, b, 2);
      await db.deleteFrom('links').where('id', '=', a).execute();
      await counter.flush();
      assert.equal(await clicks(b), 2);
      assert.equal(counter.pending(a), 0);
    });

    it('flushes on its interval once started', async () => {
      const [a] = await twoLinks();
      const counter = new SqlClickCounter(db, 20);
      counter.start();
      try {
        record(counter, a, 3);
        for (let i = 0; i < 100 && (await clicks(a)) < 3; i++) await sleep(20);
        assert.equal(await clicks(a), 3);
      } finally {
        await counter.close();
      }
    });

    it('close() flushes what is left', async () => {
      const [a, b] = await twoLinks();
      const counter = new SqlClickCounter(db, 60_000);
      counter.start();
      record(counter, a, 7);
      record(counter, b, 1);
      await counter.close();
      assert.deepEqual([await clicks(a), await clicks(b)], [7, 1]);
      assert.equal(counter.pending(a), 0);
    });

    it('flush() writes every click recorded before it was called, even while another flush runs', async () => {
        const [a, b] = await twoLinks();
        const counter = new SqlClickCounter(db);
        counter.record(a);
        const first = counter.flush();
        record(counter, b, 2);
        await counter.flush();
        await first;
        assert.equal(await clicks(b), 2);
        assert.equal(counter.pending(b), 0);
      });

    it('close() during an in-flight flush still writes the clicks recorded after it began', async () => {
        const [a, b] = await twoLinks();
        const counter = new SqlClickCounter(db, 60_000);
        counter.start();
        counter.record(a);
        const timerFlush = counter.flush(); // as the interval would
        record(counter, b, 3);
        await counter.close();
        await timerFlush;
        assert.equal(await clicks(b), 3);
        assert.equal(counter.pending(b), 0);
      });
  });
}
