import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlApiKeyRepository } from '../../src/adapters/db/repositories/api-key-repository.sql.js';
import { SqlSessionRepository } from '../../src/adapters/db/repositories/session-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { SqlWorkspaceRepository } from '../../src/adapters/db/repositories/workspace-repository.sql.js';
import type { ApiKey } from '../../src/core/api-keys/ports.js';
import type { Role } from '../../src/core/auth/scopes.js';
import { newId } from '../../src/core/ids.js';
import { engines } from '../support/engines.js';
import { createUser, unique, type TestUser } from './fixtures.js';

for (const engine of engines) {
  describe(`account repositories on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let users: SqlUserRepository;
    let sessions: SqlSessionRepository;
    let keys: SqlApiKeyRepository;
    let alice: TestUser;
    let bob: TestUser;
    const join = (workspaceId: string, userId: string, role: Role) => db.insertInto('memberships').values({ workspace_id: workspaceId, user_id: userId, role }).execute();
    /** Memberships without their timestamp (checked to be a Date), for deepEqual. */
    const memberships = async (userId: string) => (await users.memberships(userId)).map((m) => {
      const { createdAt, ...rest } = m as typeof m & { createdAt?: unknown };
      if (createdAt !== undefined) assert.ok(createdAt instanceof Date);
      return rest;
    });
    const workspaceRow = (id: string) => db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
    /** Inserts an API key and returns it with its hash. */
    async function addKey(workspaceId: string, createdBy: string, fields: Partial<ApiKey> = {}): Promise<ApiKey & { keyHash: string }> {
      const key = { id: newId('key'), workspaceId, createdBy, name: 'key', hint: 'ab12', scopes: ['links:read' as const], createdAt: new Date(), lastUsedAt: null, rateLimit: null, keyHash: unique('hash'), ...fields };
      await keys.insert(key);
      return key;
    }

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      users = new SqlUserRepository(db);
      sessions = new SqlSessionRepository(db);
      keys = new SqlApiKeyRepository(db);
      alice = await createUser(db);
      bob = await createUser(db);
    });
    after(async () => { await handle.close(); });

    it('create makes the user, a personal workspace and the owner membership', async () => {
      const id = newId('usr');
      const wsId = newId('ws');
      const email = `${unique('dora')}@Example.com`;
      assert.equal(await users.create({ id, email, passwordHash: 'hash-1', isAdmin: true, personalWorkspace: { id: wsId, name: 'Dora' } }), true);
      const found = await users.findByEmail(email.toUpperCase());
      assert.deepEqual({ ...found, createdAt: null }, { id, email, isAdmin: true, passwordHash: 'hash-1', createdAt: null });
      assert.ok(found?.createdAt instanceof Date);
      assert.deepEqual(await users.findById(id), { id, email, isAdmin: true, createdAt: found.createdAt });
      assert.equal((await workspaceRow(wsId))?.personal_for, id);
      assert.deepEqual(await memberships(id), [{ workspaceId: wsId, workspaceName: 'Dora', personal: true, role: 'owner' }]);
      assert.equal(await users.role(id, wsId), 'owner');
      assert.equal(await users.personalWorkspaceId(id), wsId);
      await users.setPassword(id, 'hash-2');
      assert.equal((await users.findByEmail(email))?.passwordHash, 'hash-2');
      assert.equal(await users.findByEmail('nobody@example.com'), null);
      assert.equal(await users.findById('usr_unknown'), null);
    });

    it('refuses an e-mail taken in another case and writes nothing for it', async () => {
      const email = `${unique('Carol')}@Example.COM`;
      await createUser(db, email);
      const countBefore = await users.count();
      const id = newId('usr');
      const wsId = newId('ws');
      assert.equal(await users.create({ id, email: email.toLowerCase(), passwordHash: null, isAdmin: false, personalWorkspace: { id: wsId, name: 'x' } }), false);
      assert.equal(await users.count(), countBefore);
      assert.equal(await users.findById(id), null);
      assert.equal(await workspaceRow(wsId), undefined);
    });

    it('rolls the user back when the workspace cannot be made (atomic create)', async () => {
      const id = newId('usr');
      const create = users.create({ id, email: `${unique('eve')}@example.com`, passwordHash: null, isAdmin: false, personalWorkspace: { id: alice.workspaceId, name: 'clash' } });
      await assert.rejects(create, (e: { code?: string }) => e.code === '23505');
      assert.equal(await users.findById(id), null);
      assert.equal(await users.personalWorkspaceId(id), null);
    });

    it('pages a workspace\'s members in join order, none skipped or repeated, members joined at one instant included (0014)', async () => {
      const owner = await createUser(db);
      const joined = [await createUser(db), await createUser(db), await createUser(db)];
      await db.insertInto('memberships').values(joined.map((u) => ({ workspace_id: owner.workspaceId, user_id: u.userId, role: 'member' as const }))).execute();
      const workspaces = new SqlWorkspaceRepository(db);
      const seen: string[] = [];
      let after: { createdAt: Date; userId: string } | null = null;
      for (let page = 0; page < 5; page++) {
        const rows = await workspaces.members(owner.workspaceId, after, 1);
        seen.push(...rows.map((m) => m.userId));
        if (rows.length < 1) break;
        after = { createdAt: new Date(rows.at(-1)!.createdAt.toISOString()), userId: rows.at(-1)!.userId };
      }
      assert.deepEqual(seen, [owner.userId, ...joined.map((u) => u.userId).sort()]);
    });

    it('reports memberships, roles and personal workspaces', async () => {
      const carol = await createUser(db);
      await join(alice.workspaceId, carol.userId, 'member');
      assert.deepEqual(await memberships(carol.userId), [
        { workspaceId: alice.workspaceId, workspaceName: (await workspaceRow(alice.workspaceId))!.name, personal: false, role: 'member' },
        { workspaceId: carol.workspaceId, workspaceName: (await workspaceRow(carol.workspaceId))!.name, personal: true, role: 'owner' },
      ]);
      assert.equal(await users.role(carol.userId, alice.workspaceId), 'member');
      assert.equal(await users.role(carol.userId, bob.workspaceId), null);
      assert.equal(await users.personalWorkspaceId('usr_unknown'), null);
      assert.deepEqual(await memberships('usr_unknown'), []);
    });

    it('finds the user of a live session only', async () => {
      const now = new Date();
      const live = unique('sess');
      const expired = unique('sess');
      await sessions.create(live, alice.userId, new Date(now.getTime() + 3_600_000));
      await sessions.create(expired, alice.userId, new Date(now.getTime() - 1));
      const user = await sessions.findUser(live, now);
      assert.equal(user?.id, alice.userId);
      assert.equal(user?.email, alice.email);
      assert.ok(user?.createdAt instanceof Date);
      assert.equal(await sessions.findUser(expired, now), null);
      assert.equal(await sessions.findUser(live, new Date(now.getTime() + 3_600_000)), null, 'expires_at itself is past');
      assert.equal(await sessions.findUser('unknown', now), null);
      await sessions.delete(live);
      assert.equal(await sessions.findUser(live, now), null);
    });

    it('findActiveByHash returns the key with its creator role; revoked keys are gone', async () => {
      const own = await addKey(alice.workspaceId, alice.userId, { scopes: ['links:read', 'links:write', 'workspace:admin'], name: 'CI' });
      const found = await keys.findActiveByHash(own.keyHash);
      const { keyHash: _h, ...expected } = own;
      assert.deepEqual(found, { ...expected, creatorRole: 'owner' });
      const frank = await createUser(db);
      await join(alice.workspaceId, frank.userId, 'viewer');
      const viewers = await addKey(alice.workspaceId, frank.userId);
      assert.equal((await keys.findActiveByHash(viewers.keyHash))?.creatorRole, 'viewer');
      await db.deleteFrom('memberships').where('workspace_id', '=', alice.workspaceId).where('user_id', '=', frank.userId).execute();
      assert.equal((await keys.findActiveByHash(viewers.keyHash))?.creatorRole, null, 'the creator left the workspace');
      const touchedAt = new Date('2025-01-02T03:04:05.678Z');
      await keys.touch(own.id, touchedAt);
      assert.deepEqual((await keys.findActiveByHash(own.keyHash))?.lastUsedAt, touchedAt);
      assert.equal(await keys.revoke(alice.workspaceId, own.id, null, new Date()), true);
      assert.equal(await keys.findActiveByHash(own.keyHash), null);
      assert.equal(await keys.revoke(alice.workspaceId, own.id, null, new Date()), false, 'already revoked');
      assert.equal(await keys.findActiveByHash('unknown'), null);
    });

    it('stores a key\'s own rate limit; the column refuses sizes outside 1..100000 (0007)', async () => {
      const limited = await addKey(alice.workspaceId, alice.userId, { rateLimit: 25 });
      assert.equal((await keys.findActiveByHash(limited.keyHash))?.rateLimit, 25);
      const page = await keys.list(alice.workspaceId, null, null, 100);
      assert.equal(page.items.find((k) => k.id === limited.id)?.rateLimit, 25);
      for (const bad of [0, 100_001]) await assert.rejects(addKey(alice.workspaceId, alice.userId, { rateLimit: bad }), `rate limit ${bad} refused`);
    });

    it('lists active keys newest first, paged by created_at and id, optionally by creator', async () => {
      const owner = await createUser(db);
      const member = await createUser(db);
      await join(owner.workspaceId, member.userId, 'member');
      const base = Date.UTC(2024, 5, 1);
      const made: ApiKey[] = [];
      for (let i = 0; i < 10; i++) {
        // Pairs share created_at, so pages must break ties by id.
        made.push(await addKey(owner.workspaceId, i % 3 === 0 ? member.userId : owner.userId, { createdAt: new Date(base + Math.floor(i / 2) * 1000) }));
      }
      const revoked = await addKey(owner.workspaceId, owner.userId, { createdAt: new Date(base + 60_000) });
      await keys.revoke(owner.workspaceId, revoked.id, null, new Date());
      await addKey(alice.workspaceId, alice.userId, { createdAt: new Date(base + 500) });
      const order = (list: ApiKey[]) => [...list].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((k) => k.id);
      const walk = async (createdBy: string | null) => {
        const seen: string[] = [];
        let after: { createdAt: Date; id: string } | null = null;
        for (let pages = 0; pages < 10; pages++) {
          const page = await keys.list(owner.workspaceId, createdBy, after, 3);
          seen.push(...page.items.map((k) => k.id));
          if (!page.next) break;
          after = page.next;
        }
        return seen;
      };
      assert.deepEqual(await walk(null), order(made));
      assert.deepEqual(await walk(member.userId), order(made.filter((k) => k.createdBy === member.userId)));
      const page = await keys.list(owner.workspaceId, null, null, 10);
      assert.equal(page.next, null, 'an exactly full last page has no next');
      assert.ok(page.items.every((k) => k.createdAt instanceof Date && !('keyHash' in k)));
    });

    it('revoke is scoped by workspace and, when given, by creator', async () => {
      const owner = await createUser(db);
      const member = await createUser(db);
      await join(owner.workspaceId, member.userId, 'member');
      const key = await addKey(owner.workspaceId, member.userId);
      assert.equal(await keys.revoke(alice.workspaceId, key.id, null, new Date()), false);
      assert.equal(await keys.revoke(owner.workspaceId, key.id, owner.userId, new Date()), false, 'not the creator');
      assert.ok(await keys.findActiveByHash(key.keyHash), 'still active');
      assert.equal(await keys.revoke(owner.workspaceId, key.id, member.userId, new Date()), true);
      assert.equal(await keys.findActiveByHash(key.keyHash), null);
      assert.equal(await keys.revoke(owner.workspaceId, 'key_unknown', null, new Date()), false);
    });

    it('workspaceOwner is the first owner of the workspace', async () => {
      const owner = await createUser(db);
      const later = await createUser(db);
      await join(owner.workspaceId, later.userId, 'owner');
      await join(owner.workspaceId, bob.userId, 'admin');
      assert.equal(await keys.workspaceOwner(owner.workspaceId), owner.userId);
      assert.equal(await keys.workspaceOwner('ws_unknown'), null);
    });
  });
}
