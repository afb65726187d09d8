import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { SqlWorkspaceRepository } from '../../src/adapters/db/repositories/workspace-repository.sql.js';
import { loadConfig } from '../../src/composition/config.js';
import { buildNotifications, type Notifications } from '../../src/composition/notifications-wiring.js';
import type { Actor } from '../../src/core/auth/actor.js';
import type { DomainEvent } from '../../src/core/events/domain-event.js';
import { EMAIL_JOB } from '../../src/core/notifications/notification-service.js';
import { engines } from '../support/engines.js';
import { MemoryJobQueue } from '../support/memory-job-queue.js';
import { startSmtp } from '../support/smtp.js';
import { buildLink, createUser, type TestUser } from './fixtures.js';

const session = (u: TestUser): Actor => ({ kind: 'session', userId: u.userId, apiKeyId: null, workspaceId: u.workspaceId, scopes: new Set() });
const event = (type: DomainEvent['type'], workspaceId: string, data: Record<string, unknown>, linkId: string | null = null): DomainEvent =>
  ({ id: `evt_${Math.random().toString(36).slice(2)}`, type, workspaceId, timestamp: new Date(), data, linkId, tags: [] });

for (const engine of engines) {
  describe(`notifications (${engine.name})`, () => {
    let handle: DatabaseHandle;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let jobs: MemoryJobQueue;
    let notes: Notifications;
    let owner: TestUser;
    let admin: TestUser;
    let member: TestUser;
    let outsider: TestUser;
    const ws = () => owner.workspaceId;

    before(async () => {
      handle = await engine.open();
      smtp = await startSmtp();
      [owner, admin, member, outsider] = [await createUser(handle.db), await createUser(handle.db), await createUser(handle.db), await createUser(handle.db)];
      const workspaces = new SqlWorkspaceRepository(handle.db);
      await workspaces.addMember(owner.workspaceId, admin.userId, 'admin');
      await workspaces.addMember(owner.workspaceId, member.userId, 'member');
    });
    after(async () => { await notes?.close(); await smtp.close(); await handle.close(); });

    const build = (env: Record<string, string> = { SMTP_URL: smtp.url, CURT_MAIL_FROM: 'Curt <curt@example.com>' }) => {
      jobs = new MemoryJobQueue();
      notes = buildNotifications(loadConfig({ CURT_BASE_URL: 'https://curt.example', ...env }), handle.db,
        { jobs, users: new SqlUserRepository(handle.db), links: new SqlLinkRepository(handle.db) });
      return notes;
    };
    const inbox = async (u: TestUser) => (await notes.notifications.list(session(u), { unread: false, cursor: undefined, limit: 100 })).notifications;

    it('notifies in-app and by e-mail by default, each once per trigger, members only', async () => {
      build();
      const data = { webhookId: 'whk_1', url: 'https://hooks.example/a', reason: 'failing for 5 days' };
      const result = await notes.notifications.notify([owner.userId, admin.userId, outsider.userId], { type: 'webhook.disabled', workspaceId: ws(), data, dedupeKey: 'k1' });
      assert.deepEqual(result, { inApp: 2, emails: 2 }, 'the outsider is not a member of the workspace');
      await notes.notifications.notify([owner.userId, admin.userId], { type: 'webhook.disabled', workspaceId: ws(), data, dedupeKey: 'k1' });
      assert.equal((await inbox(owner)).length, 1, 'a replay adds no row');
      assert.equal(jobs.named(EMAIL_JOB).length, 2, 'a replay enqueues no second e-mail');
      assert.equal((await inbox(outsider)).length, 0);
      const [n] = await inbox(admin);
      assert.equal(n!.type, 'webhook.disabled');
      assert.match(n!.body, /https:\/\/hooks\.example\/a was disabled: failing for 5 days/);
      assert.deepEqual(n!.data, data);
    });

    it('honours preferences per channel and type', async () => {
      build();
      await notes.notifications.setPreferences(session(owner), [{ type: 'link.expired', inApp: true, email: false }]);
      await notes.notifications.setPreferences(session(admin), [{ type: 'link.expired', inApp: false, email: true }]);
      const prefs = await notes.notifications.preferences(session(owner));
      assert.deepEqual(prefs.find((p) => p.type === 'link.expired'), { type: 'link.expired', inApp: true, email: false });
      assert.deepEqual(prefs.find((p) => p.type === 'link.milestone'), { type: 'link.milestone', inApp: true, email: true }, 'default');
      await notes.notifications.notify([owner.userId, admin.userId], {
        type: 'link.expired', workspaceId: ws(), dedupeKey: 'k2', data: { linkId: 'lnk_x', shortUrl: 'https://curt.example/x', url: 'https://example.com/', reason: null },
      });
      assert.equal((await inbox(owner)).filter((n) => n.type === 'link.expired').length, 1);
      assert.equal((await inbox(admin)).filter((n) => n.type === 'link.expired').length, 0, 'in-app off: no row');
      const emailRows = await handle.db.selectFrom('notification_emails').select('to_address').where('dedupe_key', '=', 'k2').execute();
      assert.deepEqual(emailRows.map((r) => r.to_address), [admin.email], 'e-mail off: no e-mail for the owner');
      assert.equal(jobs.named(EMAIL_JOB).length, 1);
      await assert.rejects(notes.notifications.setPreferences(session(owner), [{ type: 'nope', inApp: true, email: true }]), /type/);
    });

    it('sends no e-mail and enqueues no job when SMTP_URL is unset', async () => {
      build({});
      assert.equal(notes.notifications.emailEnabled, false);
      const r = await notes.notifications.notify([member.userId], { type: 'workspace.invitation', workspaceId: ws(), dedupeKey: 'k3', data: { workspaceId: ws(), workspaceName: 'W', invitedBy: 'x', role: 'member' } });
      assert.deepEqual(r, { inApp: 1, emails: 0 });
      assert.equal(jobs.requests.length, 0);
      assert.equal(notes.definitions.some((d) => d.name === EMAIL_JOB), false);
    });

    it('delivers e-mail over SMTP with text and escaped HTML; a down server means a retry, not a loss', async () => {
      build();
      const evil = { linkId: 'lnk_e', shortUrl: 'https://curt.example/e', url: 'https://example.com/?q=<script>alert(1)</script>&a=1', reason: 'max-clicks' };
      await notes.notifications.notify([member.userId], { type: 'link.expired', workspaceId: ws(), dedupeKey: 'k4', data: evil });
      const [job] = jobs.named(EMAIL_JOB);
      assert.ok(job);
      await smtp.close();
      const failures = await jobs.run(notes.definitions, EMAIL_JOB);
      assert.equal(failures.length, 1, 'SMTP down: the handler throws');
      assert.equal(jobs.named(EMAIL_JOB).length, 1, 'and the job stays for its retry');
      assert.equal(smtp.mails.length, 0);
      // The server comes back on the same port; the retry delivers.
      const again = await startSmtp(smtp.port);
      try {
        assert.deepEqual(await jobs.run(notes.definitions, EMAIL_JOB), []);
        assert.equal(again.mails.length, 1);
        const mail = again.mails[0]!;
        assert.deepEqual(mail.to, [member.email]);
        assert.equal(mail.from, 'curt@example.com');
        assert.equal(mail.subject, 'Link https://curt.example/e reached its click limit');
        assert.match(mail.text, /https:\/\/curt\.example\/e \(to https:\/\/example\.com\/\?q=<script>alert\(1\)<\/script>&a=1\) reached its click limit/);
        assert.match(mail.html, /q=&lt;script&gt;alert\(1\)&lt;\/script&gt;&amp;a=1/);
        assert.doesNotMatch(mail.html, /<script>/);
        assert.match(mail.html, /<a href="https:\/\/curt\.example\/e">Open link<\/a>/);
        // A replayed job sends nothing twice; the stored bodies are cleared once sent.
        await jobs.enqueue([{ name: EMAIL_JOB, payload: job.payload, workspaceId: ws() }]);
        await jobs.run(notes.definitions, EMAIL_JOB);
        assert.equal(again.mails.length, 1);
        const row = await handle.db.selectFrom('notification_emails').selectAll().where('dedupe_key', '=', 'k4').executeTakeFirstOrThrow();
        assert.ok(row.sent_at);
        assert.equal(row.text_body, '');
      } finally {
        smtp = again;
      }
    });

    it('plans a fan-out for webhook.disabled and link.expired only; admins hear of a disabled webhook', async () => {
      build();
      assert.deepEqual(await notes.subscriber.plan(event('link.created', ws(), {})), []);
      const disabled = event('webhook.disabled', ws(), { id: 'whk_9', url: 'https://hooks.example/9', disabledReason: 'HTTP 410' });
      const planned = await notes.subscriber.plan(disabled);
      assert.equal(planned.length, 1);
      await jobs.enqueue(planned);
      await jobs.enqueue(await notes.subscriber.plan(disabled));
      assert.deepEqual(await jobs.run(notes.definitions, 'notification.fanout'), []);
      await jobs.enqueue(planned); // a replay after the first run finished
      await jobs.run(notes.definitions, 'notification.fanout');
      const hits = async (u: TestUser) => (await inbox(u)).filter((n) => n.data.webhookId === 'whk_9').length;
      assert.deepEqual([await hits(owner), await hits(admin), await hits(member)], [1, 1, 0]);
      assert.match((await inbox(admin)).find((n) => n.data.webhookId === 'whk_9')!.body, /HTTP 410/);
    });

    it('tells a link\'s creator that it expired, or the admins when the creator is unknown', async () => {
      build();
      await notes.notifications.setPreferences(session(admin), [{ type: 'link.expired', inApp: true, email: true }]);
      const links = new SqlLinkRepository(handle.db);
      const mine = buildLink(ws(), { createdBy: member.userId });
      const orphan = buildLink(ws(), { createdBy: null });
      await links.insertMany([mine, orphan]);
      for (const link of [mine, orphan]) {
        await jobs.enqueue(await notes.subscriber.plan(event('link.expired', ws(), { id: link.id, shortUrl: `https://curt.example/${link.slug}`, url: link.url }, link.id)));
      }
      await jobs.run(notes.definitions, 'notification.fanout');
      const about = async (u: TestUser, id: string) => (await inbox(u)).filter((n) => n.type === 'link.expired' && n.data.linkId === id).length;
      assert.deepEqual([await about(member, mine.id), await about(owner, mine.id), await about(admin, mine.id)], [1, 0, 0]);
      assert.deepEqual([await about(member, orphan.id), await about(owner, orphan.id), await about(admin, orphan.id)], [0, 1, 1]);
    });

    it('lists newest first with a cursor, filters unread, marks read idempotently, never another user\'s', async () => {
      build({});
      for (let i = 0; i < 3; i++) {
        await notes.notifications.notify([outsider.userId], { type: 'workspace.invitation', workspaceId: outsider.workspaceId, dedupeKey: `list${i}`,
          data: { workspaceId: outsider.workspaceId, workspaceName: `W${i}`, invitedBy: 'x', role: 'member' } });
      }
      const first = await notes.notifications.list(session(outsider), { unread: false, cursor: undefined, limit: 2 });
      assert.equal(first.notifications.length, 2);
      assert.ok(first.nextCursor);
      const second = await notes.notifications.list(session(outsider), { unread: false, cursor: first.nextCursor!, limit: 2 });
      assert.equal(second.notifications.length, 1);
      assert.equal(second.nextCursor, null);
      const target = first.notifications[0]!;
      await assert.rejects(notes.notifications.markRead(session(owner), target.id), /not found/);
      const read = await notes.notifications.markRead(session(outsider), target.id);
      assert.ok(read.readAt);
      const again = await notes.notifications.markRead(session(outsider), target.id);
      assert.equal(again.readAt!.getTime(), read.readAt!.getTime(), 'the first readAt stays');
      const unread = await notes.notifications.list(session(outsider), { unread: true, cursor: undefined, limit: 10 });
      assert.equal(unread.notifications.some((n) => n.id === target.id), false);
      const keyOfOtherWorkspace: Actor = { kind: 'api-key', userId: outsider.userId, apiKeyId: 'key_1', workspaceId: owner.workspaceId, scopes: new Set() };
      assert.equal((await notes.notifications.list(keyOfOtherWorkspace, { unread: false, cursor: undefined, limit: 10 })).notifications.length, 0,
        'a key sees its creator\'s notifications of its own workspace only');
    });
  });
}
