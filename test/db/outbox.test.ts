import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlJobQueue } from '../../src/adapters/db/job-queue.sql.js';
import { SqlLinkExpiry } from '../../src/adapters/db/link-expiry.sql.js';
import { SqlOutbox, recordEvents } from '../../src/adapters/db/outbox.sql.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { MemoryEventFeed } from '../../src/adapters/events/event-feed.memory.js';
import type { DomainEvent } from '../../src/core/events/domain-event.js';
import { DISPATCH_JOB, EventDispatcher } from '../../src/core/events/event-dispatcher.js';
import type { LiveEvent } from '../../src/core/events/live-event.js';
import { JobWorker } from '../../src/core/jobs/job-worker.js';
import { LinkEvents } from '../../src/core/links/link-events.js';
import { linkView } from '../../src/core/links/link-view.js';
import { engines } from '../support/engines.js';
import { buildLink, createUser } from './fixtures.js';

const BASE = new URL('https://curt.test');

for (const engine of engines) {
  describe(`events outbox on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let repo: SqlLinkRepository;
    let worker: JobWorker;
    let dispatcher: EventDispatcher;
    const planned: DomainEvent[] = [];
    const live: LiveEvent[] = [];
    let workspaceId: string;
    const linkEvents = new LinkEvents(BASE);
    const eventsOf = (linkId: string) => db.selectFrom('events').selectAll().where('link_id', '=', linkId).orderBy('id').execute();
    const deliveries = (eventId: string) => db.selectFrom('jobs').select(['id', 'payload']).where('name', '=', 'test.deliver')
      .where(({ eb, ref }) => eb(ref('payload', '->>').key('eventId' as never), '=', eventId)).execute();

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      repo = new SqlLinkRepository(db, linkEvents);
      const queue = new SqlJobQueue(db, { leaseCheckMs: 0 });
      const feed = new MemoryEventFeed();
      workspaceId = (await createUser(db)).workspaceId;
      feed.add(workspaceId, (e) => live.push(e));
      dispatcher = new EventDispatcher(new SqlOutbox(db), feed);
      dispatcher.subscribe({ name: 'test', plan: async (event) => { planned.push(event); return [{ name: 'test.deliver', payload: { eventId: event.id }, workspaceId: event.workspaceId }]; } });
      worker = new JobWorker(queue, { pollMs: 10 });
      worker.define(dispatcher.definition());
      worker.define({ name: 'test.deliver', handler: async () => {} });
    });
    after(async () => { await handle.close(); });

    it('a link created, updated and deleted writes one event each, with the change, dispatched once however often dispatch runs', async () => {
      const link = buildLink(workspaceId, { tags: ['launch'], passwordHash: 'secret-hash' });
      await repo.insertMany([link]);
      const { urlHash: _hash, ...stored } = link;
      assert.equal(await repo.update({ ...link, title: 'Renamed' }), 'ok');
      assert.ok(await repo.delete(workspaceId, link.id));
      const events = await eventsOf(link.id);
      assert.deepEqual(events.map((e) => e.type), ['link.created', 'link.updated', 'link.deleted']);
      assert.deepEqual(events[0]!.data, linkView(stored, BASE), 'data is the link as the API shows it');
      assert.equal(JSON.stringify(events.map((e) => e.data)).includes('secret-hash'), false, 'no password hash');
      assert.equal(events[1]!.data.title, 'Renamed');
      assert.deepEqual(events[0]!.tags, ['launch']);
      assert.ok(events.every((e) => e.dispatched_at === null && e.workspace_id === workspaceId));
      const dispatchJobs = await db.selectFrom('jobs').select(['payload', 'workspace_id']).where('name', '=', DISPATCH_JOB).execute();
      assert.equal(dispatchJobs.filter((j) => (j.payload.eventIds as string[]).some((id) => events.some((e) => e.id === id))).length, 3);

      await worker.drain();
      const ids = events.map((e) => e.id);
      assert.equal(await dispatcher.dispatch(ids), 0, 'a second dispatch of the same events does nothing');
      await db.updateTable('jobs').set({ state: 'queued', attempt: 0 }).where('name', '=', DISPATCH_JOB).execute();
      await worker.drain(); // every dispatch job once more
      // Dispatch jobs run concurrently: events are handed on once each, in no guaranteed order.
      assert.deepEqual(planned.filter((e) => ids.includes(e.id)).map((e) => e.type).sort(), ['link.created', 'link.deleted', 'link.updated']);
      for (const id of ids) assert.equal((await deliveries(id)).length, 1, `one delivery job for ${id}`);
      assert.ok((await eventsOf(link.id)).every((e) => e.dispatched_at !== null));
      assert.deepEqual(live.filter((e) => ids.includes(e.id)).map((e) => e.type).sort(), ['link.created', 'link.deleted', 'link.updated'], 'published live once each');
    });

    it('a rolled-back change writes no event and no job, and nothing is sent', async () => {
      const taken = buildLink(workspaceId);
      const moving = buildLink(workspaceId);
      await repo.insertMany([taken, moving]);
      const before = await db.selectFrom('events').select('id').execute();
      const jobsBefore = await db.selectFrom('jobs').select('id').execute();
      assert.equal(await repo.update({ ...moving, slug: taken.slug }), 'slug-taken', 'the update fails inside its transaction');
      await assert.rejects(db.transaction().execute(async (tx) => {
        await recordEvents(tx, [linkEvents.event('link.updated', { ...taken, urlHash: undefined } as never)]);
        throw new Error('rolled back');
      }));
      assert.equal((await db.selectFrom('events').select('id').execute()).length, before.length);
      assert.equal((await db.selectFrom('jobs').select('id').execute()).length, jobsBefore.length);
      planned.length = 0;
      await worker.drain();
      assert.deepEqual(planned.map((e) => e.type), ['link.created', 'link.created'], 'only the two committed creations');
    });

    it('link.expired is recorded once per expiry (time or clicks), and again only after a new expiry', async () => {
      const past = new Date(Date.now() - 60_000);
      const byTime = buildLink(workspaceId, { expiresAt: past });
      const byClicks = buildLink(workspaceId, { maxClicks: 3 });
      const future = buildLink(workspaceId, { expiresAt: new Date(Date.now() + 3_600_000) });
      const longAgo = buildLink(workspaceId, { expiresAt: new Date(Date.now() - 30 * 86_400_000) });
      await repo.insertMany([byTime, byClicks, future, longAgo]);
      await db.updateTable('links').set({ clicks: 3 }).where('id', '=', byClicks.id).execute();
      const expiry = new SqlLinkExpiry(db, linkEvents);
      assert.equal(await expiry.run(), 2);
      assert.equal(await expiry.run(), 0, 'nothing new the second time');
      const expired = async (id: string) => (await eventsOf(id)).filter((e) => e.type === 'link.expired');
      assert.equal((await expired(byTime.id)).length, 1);
      assert.equal((await expired(byClicks.id)).length, 1);
      assert.equal((await expired(future.id)).length, 0);
      assert.equal((await expired(longAgo.id)).length, 0, 'outside the look-back window');
      // A new expiry date that passes again is a new expiry.
      assert.equal(await repo.update({ ...byTime, expiresAt: new Date(Date.now() - 1000) }), 'ok');
      assert.equal(await expiry.run(), 1);
      assert.equal((await expired(byTime.id)).length, 2);
      planned.length = 0;
      await worker.drain();
      assert.equal(planned.filter((e) => e.type === 'link.expired').length, 3);
    });

    it('a bulk insert writes one event per link and one dispatch job per 100 events', async () => {
      const ws = (await createUser(db)).workspaceId;
      const links = Array.from({ length: 150 }, () => buildLink(ws));
      await repo.insertMany(links);
      assert.equal((await db.selectFrom('events').select('id').where('workspace_id', '=', ws).execute()).length, 150);
      const jobs = await db.selectFrom('jobs').select('payload').where('name', '=', DISPATCH_JOB).where('workspace_id', '=', ws).execute();
      assert.deepEqual(jobs.map((j) => (j.payload.eventIds as string[]).length).sort(), [100, 50]);
    });
  });
}
