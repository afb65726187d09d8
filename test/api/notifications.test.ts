import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '../../src/core/ids.js';
import { EMAIL_JOB } from '../../src/core/notifications/notification-service.js';
import { engines } from '../support/engines.js';
import { bearer, createTenant, listenOn, startCurt, type Tenant, type TestCurt } from '../support/harness.js';
import { MemoryJobQueue } from '../support/memory-job-queue.js';
import { startSmtp } from '../support/smtp.js';

for (const engine of engines) {
  describe(`notifications, milestones and invitations over the API (${engine.name})`, () => {
    let t: TestCurt;
    let smtp: Awaited<ReturnType<typeof startSmtp>>;
    let jobs: MemoryJobQueue;
    let owner: Tenant;
    let bob: Tenant;
    let base: string;
    before(async () => {
      smtp = await startSmtp();
      jobs = new MemoryJobQueue();
      t = await startCurt(engine, { SMTP_URL: smtp.url, CURT_SIGNUP: 'invite', CURT_BASE_URL: 'http://localhost:8080' }, { jobQueue: jobs });
      [owner, bob] = [await createTenant(t, 'owner'), await createTenant(t, 'bob')];
      base = await listenOn(t.curt);
    });
    after(async () => { await t.close(); await smtp.close(); });

    const api = (key: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
      t.curt.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
    const runJobs = () => jobs.run(t.curt.notes.definitions);

    it('adding an existing account tells them in-app and by e-mail', async () => {
      const res = await api(owner.key, 'POST', `/api/v1/workspaces/${owner.workspaceId}/members`, { email: bob.email, role: 'member' });
      assert.equal(res.statusCode, 201, res.body);
      const list = await api(bob.key, 'GET', '/api/v1/notifications');
      assert.equal(list.statusCode, 200);
      assert.deepEqual(list.json().data, [], 'bob\'s key belongs to his own workspace: it sees only notifications of that one');
      const { token } = await t.curt.accounts.login(bob.email, bob.password);
      const inbox = await t.curt.app.inject({ url: '/api/v1/notifications', cookies: { curt_session: token } });
      const [n] = inbox.json().data;
      assert.equal(n.type, 'workspace.invitation');
      assert.equal(n.title, 'You were added to Personal');
      assert.equal(n.body, `${owner.email} added you to the workspace Personal as member.`);
      assert.deepEqual(Object.keys(n).sort(), ['body', 'createdAt', 'data', 'id', 'readAt', 'title', 'type', 'workspaceId']);
      assert.equal(n.readAt, null);
      assert.deepEqual(await runJobs(), []);
      const mail = smtp.mails.find((m) => m.to.includes(bob.email));
      assert.ok(mail);
      assert.equal(mail.subject, 'You were added to Personal');

      // Marking read: only by its owner; another user gets 404.
      const session = { cookies: { curt_session: token }, headers: { origin: 'http://localhost:8080' } };
      assert.equal((await api(owner.key, 'POST', `/api/v1/notifications/${n.id}/read`)).statusCode, 404);
      const read = await t.curt.app.inject({ method: 'POST', url: `/api/v1/notifications/${n.id}/read`, ...session });
      assert.equal(read.statusCode, 200, read.body);
      assert.ok(read.json().readAt);
      const unread = await t.curt.app.inject({ url: '/api/v1/notifications?unread=true', cookies: { curt_session: token } });
      assert.deepEqual(unread.json().data, []);
      assert.equal((await t.curt.app.inject({ method: 'POST', url: '/api/v1/notifications/ntf_unknown/read', ...session })).statusCode, 404);
    });

    it('reads and sets preferences', async () => {
      const res = await api(bob.key, 'GET', '/api/v1/notifications/preferences');
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().emailAvailable, true);
      assert.deepEqual(res.json().preferences.map((p: { type: string }) => p.type), ['webhook.disabled', 'link.expired', 'link.milestone', 'workspace.invitation']);
      const put = await api(bob.key, 'PUT', '/api/v1/notifications/preferences', { preferences: [{ type: 'link.milestone', inApp: false, email: true }] });
      assert.equal(put.statusCode, 200, put.body);
      assert.deepEqual(put.json().preferences.find((p: { type: string }) => p.type === 'link.milestone'), { type: 'link.milestone', inApp: false, email: true });
      assert.equal((await api(bob.key, 'PUT', '/api/v1/notifications/preferences', { preferences: [{ type: 'nope', inApp: true, email: true }] })).statusCode, 422);
      assert.equal((await api(bob.key, 'PUT', '/api/v1/notifications/preferences', { preferences: [{ type: 'link.expired', inApp: true }] })).statusCode, 422);
      await api(bob.key, 'PUT', '/api/v1/notifications/preferences', { preferences: [{ type: 'link.milestone', inApp: true, email: true }] });
    });

    it('sets click milestones and notifies once when served redirects cross one', async () => {
      const link = (await api(owner.key, 'POST', '/api/v1/links', { url: 'https://example.com/launch?a=1&b="2"' })).json();
      assert.equal((await api(owner.key, 'PUT', `/api/v1/links/${link.id}/milestones`, { thresholds: [0] })).statusCode, 422);
      assert.equal((await api(owner.key, 'PUT', `/api/v1/links/${link.id}/milestones`, { thresholds: Array.from({ length: 11 }, (_, i) => i + 1) })).statusCode, 422);
      assert.equal((await api(bob.key, 'PUT', `/api/v1/links/${link.id}/milestones`, { thresholds: [2] })).statusCode, 404, 'another workspace\'s link');
      assert.equal((await api(bob.key, 'GET', `/api/v1/links/${link.id}/milestones`)).statusCode, 404);
      const set = await api(owner.key, 'PUT', `/api/v1/links/${link.id}/milestones`, { thresholds: [3, 2] });
      assert.equal(set.statusCode, 200, set.body);
      assert.deepEqual(set.json(), { milestones: [{ threshold: 2, reachedAt: null }, { threshold: 3, reachedAt: null }] });

      for (let i = 0; i < 2; i++) assert.equal((await fetch(`${base}/${link.slug}`, { redirect: 'manual' })).status, 302);
      await t.curt.clicks.flush();
      await t.curt.notes.milestones.idle();
      for (let i = 0; i < 2; i++) await fetch(`${base}/${link.slug}`, { redirect: 'manual' });
      await t.curt.clicks.flush();
      await t.curt.notes.milestones.idle();
      const milestones = (await api(owner.key, 'GET', `/api/v1/links/${link.id}/milestones`)).json().milestones;
      assert.ok(milestones.every((m: { reachedAt: string | null }) => m.reachedAt !== null), JSON.stringify(milestones));
      const notes = (await api(owner.key, 'GET', '/api/v1/notifications')).json().data.filter((n: { type: string }) => n.type === 'link.milestone');
      assert.deepEqual(notes.map((n: { data: { threshold: number } }) => n.data.threshold).sort(), [2, 3]);
      assert.deepEqual(await runJobs(), []);
      const mail = smtp.mails.find((m) => m.subject === `http://localhost:8080/${link.slug} reached 2 clicks`);
      assert.ok(mail, smtp.mails.map((m) => m.subject).join('; '));
      assert.match(mail.html, /https:\/\/example\.com\/launch\?a=1&amp;b=(&quot;|%22)2(&quot;|%22)\)/);
    });

    it('invites an address without an account; the e-mailed token signs it up into the workspace', async () => {
      const res = await api(owner.key, 'POST', `/api/v1/workspaces/${owner.workspaceId}/members`, { email: 'New.Person@Example.com', role: 'viewer' });
      assert.equal(res.statusCode, 202, res.body);
      const { invitation } = res.json();
      assert.equal(invitation.email, 'new.person@example.com');
      assert.equal(invitation.role, 'viewer');
      assert.equal(new Date(invitation.expiresAt).getTime() - new Date(invitation.createdAt).getTime(), 7 * 86_400_000);
      assert.equal(jobs.named(EMAIL_JOB).length, 1);
      assert.deepEqual(await runJobs(), []);
      const mail = smtp.mails.find((m) => m.to.includes('new.person@example.com'));
      assert.ok(mail);
      const token = /http:\/\/localhost:8080\/signup\?invite=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      assert.ok(token, mail.text);
      assert.match(mail.html, new RegExp(`href="http://localhost:8080/signup\\?invite=${token}"`));
      const stored = await t.handle.db.selectFrom('workspace_invitations').selectAll().where('id', '=', invitation.id).executeTakeFirstOrThrow();
      assert.equal(stored.token_hash, sha256(token), 'only the hash is stored');
      const email = await t.handle.db.selectFrom('notification_emails').selectAll().where('to_address', '=', 'new.person@example.com').executeTakeFirstOrThrow();
      assert.equal(email.text_body.includes(token), false, 'the sent e-mail\'s body (with the token) is cleared');

      const signup = (body: object) => t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body, remoteAddress: `10.1.0.${Math.floor(Math.random() * 250)}` });
      assert.equal((await signup({ email: 'new.person@example.com', password: 'a long passphrase' })).statusCode, 403, 'invite mode: no token, no sign-up');
      const wrong = await signup({ email: 'someone.else@example.com', password: 'a long passphrase', inviteToken: token });
      assert.equal(wrong.statusCode, 422);
      assert.equal(wrong.json().errors[0].pointer, '/inviteToken');
      assert.equal((await signup({ email: 'new.person@example.com', password: 'a long passphrase', inviteToken: 'x'.repeat(43) })).statusCode, 422);
      const ok = await signup({ email: 'NEW.person@example.com', password: 'a long passphrase', inviteToken: token });
      assert.equal(ok.statusCode, 201, ok.body);
      const cookie = ok.cookies.find((c) => c.name === 'curt_session')!.value;
      const workspaces = (await t.curt.app.inject({ url: '/api/v1/workspaces', cookies: { curt_session: cookie } })).json().data;
      assert.deepEqual(workspaces.find((w: { id: string }) => w.id === owner.workspaceId)?.role, 'viewer');
      assert.equal((await signup({ email: 'new.person@example.com', password: 'a long passphrase', inviteToken: token })).statusCode, 422, 'a token works once');
    });

    it('inviting again renews the invitation with a new token', async () => {
      const first = (await api(owner.key, 'POST', `/api/v1/workspaces/${owner.workspaceId}/members`, { email: 'twice@example.com', role: 'member' })).json().invitation;
      const second = (await api(owner.key, 'POST', `/api/v1/workspaces/${owner.workspaceId}/members`, { email: 'twice@example.com', role: 'admin' })).json().invitation;
      assert.equal(second.id, first.id);
      assert.equal(second.role, 'admin');
      await runJobs();
      assert.equal(smtp.mails.filter((m) => m.to.includes('twice@example.com')).length, 2, 'each invitation e-mail carries its own token');
      const rows = await t.handle.db.selectFrom('workspace_invitations').select('token_hash').where('email', '=', 'twice@example.com').execute();
      assert.equal(rows.length, 1);
    });
  });

  describe(`without SMTP (${engine.name})`, () => {
    it('adds existing accounts, refuses unknown addresses, enqueues nothing', async () => {
      const jobs = new MemoryJobQueue();
      const t = await startCurt(engine, { CURT_SIGNUP: 'invite' }, { jobQueue: jobs });
      try {
        const [a, b] = [await createTenant(t), await createTenant(t)];
        const add = (email: string) => t.curt.app.inject({ method: 'POST', url: `/api/v1/workspaces/${a.workspaceId}/members`, headers: bearer(a.key), payload: { email, role: 'member' } });
        assert.equal((await add(b.email)).statusCode, 201);
        assert.equal((await add('nobody@example.com')).statusCode, 422);
        assert.equal(jobs.requests.length, 0);
        assert.equal((await t.curt.app.inject({ url: '/api/v1/notifications/preferences', headers: bearer(b.key) })).json().emailAvailable, false);
      } finally {
        await t.close();
      }
    });
  });
}
