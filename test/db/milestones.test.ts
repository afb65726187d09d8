import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { loadConfig } from '../../src/composition/config.js';
import { buildNotifications, type Notifications } from '../../src/composition/notifications-wiring.js';
import type { ClickEvent } from '../../src/core/analytics/click.js';
import type { Actor } from '../../src/core/auth/actor.js';
import { engines } from '../support/engines.js';
import { MemoryJobQueue } from '../support/memory-job-queue.js';
import { buildLink, createUser, type TestUser } from './fixtures.js';

const writer = (u: TestUser): Actor => ({ kind: 'session', userId: u.userId, apiKeyId: null, workspaceId: u.workspaceId, scopes: new Set(['links:read', 'links:write']) });
const clicksOn = (linkId: string) => [{ linkId } as ClickEvent];

for (const engine of engines) {
  describe(`click milestones (${engine.name})`, () => {
    let handle: DatabaseHandle;
    let notes: Notifications;
    let user: TestUser;
    let other: TestUser;
    const links = () => new SqlLinkRepository(handle.db);
    const setClicks = (id: string, clicks: number) => handle.db.updateTable('links').set({ clicks }).where('id', '=', id).execute();
    const milestoneNotes = async (linkId: string) => (await handle.db.selectFrom('notifications').select(['user_id', 'data'])
      .where('type', '=', 'link.milestone').execute()).filter((n) => n.data.linkId === linkId);

    before(async () => {
      handle = await engine.open();
      [user, other] = [await createUser(handle.db), await createUser(handle.db)];
      notes = buildNotifications(loadConfig({ CURT_BASE_URL: 'https://curt.example' }), handle.db,
        { jobs: new MemoryJobQueue(), users: new SqlUserRepository(handle.db), links: links() });
    });
    after(async () => { await notes.close(); await handle.close(); });

    it('validates thresholds and keeps other workspaces\' links out of reach', async () => {
      const link = buildLink(user.workspaceId);
      await links().insertMany([link]);
      for (const bad of [[0], [-5], [1.5], Array.from({ length: 11 }, (_, i) => i + 1), 'x']) {
        await assert.rejects(notes.milestones.set(writer(user), link.id, bad), { code: 'validation-failed' }, JSON.stringify(bad));
      }
      await assert.rejects(notes.milestones.set(writer(other), link.id, [10]), { code: 'not-found' });
      await assert.rejects(notes.milestones.get(writer(other), link.id), { code: 'not-found' });
      const readOnly: Actor = { ...writer(user), scopes: new Set(['links:read']) };
      await assert.rejects(notes.milestones.set(readOnly, link.id, [10]), { code: 'insufficient-scope' });
    });

    it('notifies the setter exactly once per threshold crossed, even with concurrent checks', async () => {
      const link = buildLink(user.workspaceId, { createdBy: user.userId });
      const plain = buildLink(user.workspaceId);
      await links().insertMany([link, plain]);
      const set = await notes.milestones.set(writer(user), link.id, [4, 2, 2]);
      assert.deepEqual(set.map((m) => [m.threshold, m.reachedAt]), [[2, null], [4, null]]);

      await setClicks(plain.id, 1000);
      notes.milestones.clicksStored(clicksOn(plain.id));
      await notes.milestones.idle();
      assert.equal((await milestoneNotes(plain.id)).length, 0, 'no milestones on it, nothing happens');

      await setClicks(link.id, 3);
      const claimed = await Promise.all([notes.milestones.check([link.id]), notes.milestones.check([link.id]), notes.milestones.check(null)]);
      assert.equal(claimed.reduce((a, b) => a + b, 0), 1, 'one checker claims the crossed threshold');
      let sent = await milestoneNotes(link.id);
      assert.deepEqual(sent.map((n) => [n.user_id, n.data.threshold, n.data.clicks]), [[user.userId, 2, 3]]);
      assert.equal(sent[0]!.data.shortUrl, `https://curt.example/${link.slug}`);

      // Through the ingest listener: the link is in the cache of links with pending milestones.
      await setClicks(link.id, 9);
      notes.milestones.clicksStored(clicksOn(link.id));
      notes.milestones.clicksStored(clicksOn(link.id));
      await notes.milestones.idle();
      sent = await milestoneNotes(link.id);
      assert.deepEqual(sent.map((n) => n.data.threshold).sort(), [2, 4]);
      assert.ok((await notes.milestones.get(writer(user), link.id)).every((m) => m.reachedAt !== null));
    });

    it('counts thresholds already passed as reached when set, and re-announces a claim whose notification was lost', async () => {
      const link = buildLink(user.workspaceId);
      await links().insertMany([link]);
      await setClicks(link.id, 50);
      const set = await notes.milestones.set(writer(user), link.id, [10, 100]);
      assert.ok(set[0]!.reachedAt, '10 was passed before it was set');
      assert.equal(set[1]!.reachedAt, null);
      assert.equal(await notes.milestones.check([link.id]), 0);
      assert.equal((await milestoneNotes(link.id)).length, 0, 'no notification for a threshold passed before it was set');

      // A worker claimed 100 and died before notifying.
      await setClicks(link.id, 120);
      await sql`update link_milestones set reached_at = now() - interval '5 minutes' where link_id = ${link.id} and threshold = 100`.execute(handle.db);
      assert.equal((await milestoneNotes(link.id)).length, 0);
      await notes.milestones.check(null);
      assert.deepEqual((await milestoneNotes(link.id)).map((n) => n.data.threshold), [100]);
      await notes.milestones.check(null);
      assert.equal((await milestoneNotes(link.id)).length, 1, 'announced once');

      const replaced = await notes.milestones.set(writer(user), link.id, [100, 500]);
      assert.deepEqual(replaced.map((m) => [m.threshold, m.reachedAt !== null]), [[100, true], [500, false]], 'kept thresholds keep their state');
    });
  });
}
