import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { bearer, createTenant, startCurt, type Tenant, type TestCurt } from '../support/harness.js';

for (const engine of engines) {
  describe(`workspaces and members (${engine.name})`, () => {
    let t: TestCurt;
    let owner: Tenant;
    let bob: Tenant;
    let carol: Tenant;
    let team: string;
    before(async () => {
      t = await startCurt(engine);
      [owner, bob, carol] = [await createTenant(t, 'owner'), await createTenant(t, 'bob'), await createTenant(t, 'carol')];
    });
    after(() => t.close());

    /** Requests as a signed-in user (sessions made through the service, past the /auth IP quota). */
    const as = async (who: Tenant) => {
      const { token } = await t.curt.accounts.login(who.email, who.password);
      return (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
        t.curt.app.inject({ method, url, cookies: { curt_session: token }, headers: { origin: 'http://localhost:8080' }, ...(payload ? { payload } : {}) });
    };

    it('a signed-in user creates a workspace and owns it', async () => {
      const o = await as(owner);
      const res = await o('POST', '/api/v1/workspaces', { name: '  Marketing  ' });
      assert.equal(res.statusCode, 201, res.body);
      assert.deepEqual([res.json().name, res.json().role, res.json().personal], ['Marketing', 'owner', false]);
      team = res.json().id;
      const list = (await o('GET', '/api/v1/workspaces')).json().data;
      assert.deepEqual(list.map((w: { personal: boolean }) => w.personal).sort(), [false, true]);
      const keyView = (await t.curt.app.inject({ url: '/api/v1/workspaces', headers: bearer(owner.key) })).json().data;
      assert.deepEqual(keyView.map((w: { id: string }) => w.id), [owner.workspaceId], 'a key sees only its own workspace');
      assert.equal((await t.curt.app.inject({ method: 'POST', url: '/api/v1/workspaces', headers: bearer(owner.key), payload: { name: 'x' } })).statusCode, 403);
      assert.equal((await o('POST', '/api/v1/workspaces', { name: '' })).statusCode, 422);
    });

    it('admins add existing accounts; members work in the workspace, viewers only read', async () => {
      const o = await as(owner);
      assert.equal((await o('POST', `/api/v1/workspaces/${team}/members`, { email: bob.email.toUpperCase(), role: 'member' })).statusCode, 201);
      assert.equal((await o('POST', `/api/v1/workspaces/${team}/members`, { email: carol.email, role: 'viewer' })).statusCode, 201);
      assert.equal((await o('POST', `/api/v1/workspaces/${team}/members`, { email: bob.email, role: 'admin' })).statusCode, 409);
      const unknown = await o('POST', `/api/v1/workspaces/${team}/members`, { email: 'nobody@example.com', role: 'member' });
      assert.equal(unknown.statusCode, 422);
      assert.equal(unknown.json().errors[0].pointer, '/email');
      assert.equal((await o('POST', `/api/v1/workspaces/${team}/members`, { email: carol.email, role: 'boss' })).statusCode, 422);

      const b = await as(bob);
      const created = await b('POST', `/api/v1/links?workspaceId=${team}`, { url: 'https://example.com/team' });
      assert.equal(created.statusCode, 201);
      const c = await as(carol);
      assert.equal((await c('GET', `/api/v1/links?workspaceId=${team}`)).json().data.length, 1);
      assert.equal((await c('POST', `/api/v1/links?workspaceId=${team}`, { url: 'https://example.com/no' })).statusCode, 403, 'viewers cannot write');
      assert.equal((await c('PATCH', `/api/v1/workspaces/${team}`, { name: 'Mine' })).statusCode, 403);
      const members = (await c('GET', `/api/v1/workspaces/${team}/members`)).json().data;
      assert.deepEqual(members.map((m: { role: string }) => m.role), ['owner', 'member', 'viewer']);
    });

    it('only owners grant or take ownership; admins manage the rest', async () => {
      const o = await as(owner);
      assert.equal((await o('PATCH', `/api/v1/workspaces/${team}/members/${bob.userId}`, { role: 'admin' })).statusCode, 200);
      const b = await as(bob);
      assert.equal((await b('PATCH', `/api/v1/workspaces/${team}`, { name: 'Growth' })).json().name, 'Growth');
      assert.equal((await b('PATCH', `/api/v1/workspaces/${team}/members/${carol.userId}`, { role: 'member' })).statusCode, 200);
      assert.equal((await b('PATCH', `/api/v1/workspaces/${team}/members/${carol.userId}`, { role: 'owner' })).statusCode, 403);
      assert.equal((await b('PATCH', `/api/v1/workspaces/${team}/members/${owner.userId}`, { role: 'viewer' })).statusCode, 403);
      assert.equal((await b('DELETE', `/api/v1/workspaces/${team}/members/${owner.userId}`)).statusCode, 403);
      assert.equal((await b('DELETE', `/api/v1/workspaces/${team}`)).statusCode, 403, 'admins do not delete workspaces');
    });

    it('keeps at least one owner', async () => {
      const o = await as(owner);
      assert.equal((await o('PATCH', `/api/v1/workspaces/${team}/members/${owner.userId}`, { role: 'admin' })).statusCode, 409);
      assert.equal((await o('DELETE', `/api/v1/workspaces/${team}/members/${owner.userId}`)).statusCode, 409, 'the last owner cannot leave');
      assert.equal((await o('PATCH', `/api/v1/workspaces/${team}/members/${carol.userId}`, { role: 'owner' })).statusCode, 200);
      assert.equal((await o('PATCH', `/api/v1/workspaces/${team}/members/${owner.userId}`, { role: 'admin' })).statusCode, 200, 'with two owners one may step down');
      const c = await as(carol);
      assert.equal((await c('PATCH', `/api/v1/workspaces/${team}/members/${owner.userId}`, { role: 'owner' })).statusCode, 200);
    });

    it('outsiders get 404 for everything of the workspace', async () => {
      const outsider = await createTenant(t, 'outsider');
      const x = await as(outsider);
      for (const [method, url, body] of [['GET', `/api/v1/workspaces/${team}`], ['PATCH', `/api/v1/workspaces/${team}`, { name: 'x' }], ['DELETE', `/api/v1/workspaces/${team}`],
        ['GET', `/api/v1/workspaces/${team}/members`], ['POST', `/api/v1/workspaces/${team}/members`, { email: outsider.email, role: 'owner' }],
        ['GET', `/api/v1/links?workspaceId=${team}`]] as const) {
        assert.equal((await x(method, url, body)).statusCode, 404, `${method} ${url}`);
      }
      assert.equal((await t.curt.app.inject({ url: `/api/v1/workspaces/${team}`, headers: bearer(outsider.key) })).statusCode, 404);
    });

    it('API keys: own workspace only, workspace:admin to change it', async () => {
      const admin = await owner.keyWith(['workspace:admin']);
      const reader = await owner.keyWith(['links:read']);
      const rename = (key: string) => t.curt.app.inject({ method: 'PATCH', url: `/api/v1/workspaces/${owner.workspaceId}`, headers: bearer(key), payload: { name: 'Renamed by key' } });
      assert.equal((await rename(admin)).statusCode, 200);
      assert.equal((await rename(reader)).statusCode, 403);
      assert.equal((await t.curt.app.inject({ method: 'DELETE', url: `/api/v1/workspaces/${owner.workspaceId}`, headers: bearer(admin) })).statusCode, 403);
    });

    it('a removed member\'s keys for that workspace stop working at once', async () => {
      const o = await as(owner);
      const b = await as(bob);
      const created = await b('POST', `/api/v1/api-keys?workspaceId=${team}`, { scopes: ['links:read'] });
      assert.equal(created.statusCode, 201, created.body);
      const key = created.json().key as string;
      assert.equal((await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(key) })).statusCode, 200);
      assert.equal((await o('DELETE', `/api/v1/workspaces/${team}/members/${bob.userId}`)).statusCode, 204);
      assert.equal((await t.curt.app.inject({ url: '/api/v1/links', headers: bearer(key) })).statusCode, 401);
    });

    it('a member may leave; owners delete a team workspace and all in it, never a personal one', async () => {
      const c = await as(carol);
      assert.equal((await c('DELETE', `/api/v1/workspaces/${team}/members/${carol.userId}`)).statusCode, 204);
      const o = await as(owner);
      assert.equal((await o('DELETE', `/api/v1/workspaces/${owner.workspaceId}`)).statusCode, 409);
      assert.equal((await o('DELETE', `/api/v1/workspaces/${team}`)).statusCode, 204);
      assert.equal((await o('GET', `/api/v1/workspaces/${team}`)).statusCode, 404);
      const orphans = await t.handle.db.selectFrom('links').select('id').where('workspace_id', '=', team).execute();
      assert.equal(orphans.length, 0);
    });
  });
}
