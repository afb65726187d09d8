import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { API_KEY_PREFIX, ApiKeyService } from '../../src/core/api-keys/api-key-service.js';
import type { Actor } from '../../src/core/auth/actor.js';
import { ROLE_SCOPES, SCOPES, type Role, type Scope } from '../../src/core/auth/scopes.js';
import { DomainError, type ErrorCode } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/ids.js';
import { FakeApiKeys } from './fakes.js';

const WS = 'ws_1';

function setup() {
  const repo = new FakeApiKeys();
  const clock = { now: new Date('2030-01-01T00:00:00Z') };
  const service = new ApiKeyService(repo, () => clock.now);
  return { repo, service, clock };
}
const session = (userId: string, role: Role, repo?: FakeApiKeys): Actor => {
  repo?.setRole(WS, userId, role);
  return { kind: 'session', userId, apiKeyId: null, workspaceId: WS, scopes: ROLE_SCOPES[role] };
};
const keyActor = (userId: string, scopes: Scope[]): Actor => ({ kind: 'api-key', userId, apiKeyId: 'key_x', workspaceId: WS, scopes: new Set(scopes) });
const fails = (code: ErrorCode, check?: (e: DomainError) => void) => (e: unknown) => {
  assert.ok(e instanceof DomainError, String(e));
  assert.equal(e.code, code, e.message);
  check?.(e);
  return true;
};

describe('ApiKeyService: creating keys', () => {
  it('makes a curt_ key, shows it once and stores only its SHA-256', async () => {
    const { repo, service } = setup();
    const { key, apiKey } = await service.create(session('usr_a', 'owner', repo), { name: '  CI  ', scopes: ['links:read', 'links:write', 'links:read'] });
    assert.ok(key.startsWith(API_KEY_PREFIX));
    assert.equal(API_KEY_PREFIX, 'curt_');
    assert.ok(key.length >= 40);
    assert.ok(apiKey.hint.endsWith(key.slice(-4)));
    assert.ok(apiKey.hint.startsWith('curt_'));
    assert.equal(apiKey.hint.includes(key.slice(5, -4)), false, 'the hint does not reveal the secret');
    assert.equal(apiKey.name, 'CI');
    assert.deepEqual(apiKey.scopes, ['links:read', 'links:write']);
    assert.equal(apiKey.workspaceId, WS);
    assert.equal(apiKey.createdBy, 'usr_a');
    assert.match(apiKey.id, /^key_/);
    assert.equal(repo.rows.length, 1);
    assert.equal(repo.rows[0]!.keyHash, sha256(key));
    assert.equal(JSON.stringify(repo.rows).includes(key), false);
    assert.equal(JSON.stringify(apiKey).includes(key), false);
  });

  it('makes a different key each time', async () => {
    const { repo, service } = setup();
    const actor = session('usr_a', 'owner', repo);
    const a = await service.create(actor, { scopes: ['links:read'] });
    const b = await service.create(actor, { scopes: ['links:read'] });
    assert.notEqual(a.key, b.key);
    assert.notEqual(a.apiKey.id, b.apiKey.id);
    assert.equal(a.apiKey.name, 'API key');
  });

  it('never grants scopes the creator lacks', async () => {
    const { repo, service } = setup();
    await assert.rejects(service.create(session('usr_m', 'member', repo), { scopes: ['links:write', 'workspace:admin'] }), fails('forbidden', (e) => {
      assert.match(e.message, /workspace:admin/);
    }));
    await assert.rejects(service.create(session('usr_v', 'viewer', repo), { scopes: ['links:write'] }), fails('forbidden'));
    await assert.rejects(service.create(keyActor('usr_a', ['workspace:admin', 'links:read']), { scopes: ['links:write'] }), fails('forbidden'));
    await service.create(session('usr_m', 'member', repo), { scopes: ['links:read', 'links:write'] });
    await service.create(keyActor('usr_a', ['workspace:admin', 'links:read']), { scopes: ['links:read'] });
    assert.equal(repo.rows.length, 2);
  });

  it('refuses unknown and missing scopes and over-long names', async () => {
    const { repo, service } = setup();
    const owner = session('usr_a', 'owner', repo);
    await assert.rejects(service.create(owner, { scopes: ['links:read', 'links:delete'] }), fails('validation-failed', (e) => {
      assert.deepEqual(e.fieldErrors.map((f) => f.pointer), ['/scopes']);
      assert.match(e.fieldErrors[0]!.detail, /links:delete/);
    }));
    await assert.rejects(service.create(owner, { scopes: [] }), fails('validation-failed'));
    await assert.rejects(service.create(owner, { name: 'n'.repeat(101), scopes: ['links:read'] }), fails('validation-failed', (e) => {
      assert.deepEqual(e.fieldErrors.map((f) => f.pointer), ['/name']);
    }));
    assert.equal(repo.rows.length, 0);
  });
});

describe('ApiKeyService: managing keys with an API key', () => {
  it('needs workspace:admin to create, list or revoke', async () => {
    const { repo, service } = setup();
    const { apiKey } = await service.create(session('usr_a', 'owner', repo), { scopes: ['links:read'] });
    const weak = keyActor('usr_a', SCOPES.filter((s) => s !== 'workspace:admin'));
    await assert.rejects(service.create(weak, { scopes: ['links:read'] }), fails('insufficient-scope'));
    await assert.rejects(service.list(weak, null, 10), fails('insufficient-scope'));
    await assert.rejects(service.revoke(weak, apiKey.id), fails('insufficient-scope'));
    assert.equal(repo.rows[0]!.revokedAt, null);
    const admin = keyActor('usr_a', ['workspace:admin']);
    assert.equal((await service.list(admin, null, 10)).items.length, 1);
    await service.revoke(admin, apiKey.id);
    assert.notEqual(repo.rows[0]!.revokedAt, null);
  });

  it('lets members see and revoke only their own keys', async () => {
    const { repo, service } = setup();
    const owner = session('usr_a', 'owner', repo);
    const member = session('usr_m', 'member', repo);
    const ownerKey = await service.create(owner, { scopes: ['links:read'] });
    const memberKey = await service.create(member, { scopes: ['links:read'] });
    assert.deepEqual((await service.list(member, null, 10)).items.map((k) => k.id), [memberKey.apiKey.id]);
    assert.equal((await service.list(owner, null, 10)).items.length, 2);
    await assert.rejects(service.revoke(member, ownerKey.apiKey.id), fails('not-found'));
    await service.revoke(member, memberKey.apiKey.id);
    await assert.rejects(service.revoke(owner, memberKey.apiKey.id), fails('not-found'), 'already revoked');
  });
});

describe('ApiKeyService: authenticate', () => {
  it('turns a valid key into an api-key actor', async () => {
    const { repo, service } = setup();
    const { key, apiKey } = await service.create(session('usr_a', 'owner', repo), { scopes: ['links:read', 'analytics:read'] });
    const actor = await service.authenticate(key);
    assert.deepEqual(actor && { ...actor, scopes: [...actor.scopes].sort() },
      { kind: 'api-key', userId: 'usr_a', apiKeyId: apiKey.id, workspaceId: WS, scopes: ['analytics:read', 'links:read'], rateLimit: null });
  });

  it('returns null for unknown, malformed and revoked keys', async () => {
    const { repo, service } = setup();
    const owner = session('usr_a', 'owner', repo);
    const { key, apiKey } = await service.create(owner, { scopes: ['links:read'] });
    for (const presented of ['', 'curt_unknown', key.slice(5), `${key}x`, key.toUpperCase(), `curt_${'x'.repeat(300)}`]) {
      assert.equal(await service.authenticate(presented), null, presented.slice(0, 20));
    }
    await service.revoke(owner, apiKey.id);
    assert.equal(await service.authenticate(key), null);
  });

  it('returns null once the creator left the workspace', async () => {
    const { repo, service } = setup();
    const { key } = await service.create(session('usr_m', 'member', repo), { scopes: ['links:write'] });
    assert.notEqual(await service.authenticate(key), null);
    repo.setRole(WS, 'usr_m', null);
    assert.equal(await service.authenticate(key), null);
  });

  it('cuts scopes down to the creator\'s current role', async () => {
    const { repo, service } = setup();
    const { key } = await service.create(session('usr_a', 'admin', repo), { scopes: [...SCOPES] });
    for (const role of ['owner', 'admin', 'member', 'viewer'] as const) {
      repo.setRole(WS, 'usr_a', role);
      const actor = await service.authenticate(key);
      assert.deepEqual([...actor!.scopes].sort(), [...ROLE_SCOPES[role]].sort(), role);
    }
    repo.setRole(WS, 'usr_a', 'member');
    assert.equal((await service.authenticate(key))!.scopes.has('workspace:admin'), false);
    assert.deepEqual(repo.rows[0]!.scopes, [...SCOPES], 'the stored scopes are unchanged');
  });

  it('records use at most once a minute', async () => {
    const { repo, service, clock } = setup();
    const { key } = await service.create(session('usr_a', 'owner', repo), { scopes: ['links:read'] });
    const start = clock.now;
    await service.authenticate(key);
    clock.now = new Date(start.getTime() + 30_000);
    await service.authenticate(key);
    clock.now = new Date(start.getTime() + 61_000);
    await service.authenticate(key);
    assert.deepEqual(repo.touched.map((t) => t.at.getTime() - start.getTime()), [0, 61_000]);
  });

  it('creates operator keys for the workspace owner', async () => {
    const { repo, service } = setup();
    repo.owners.set(WS, 'usr_owner');
    repo.setRole(WS, 'usr_owner', 'owner');
    const secret = `curt_${'s'.repeat(43)}`;
    const { key, apiKey } = await service.createForWorkspace(WS, { scopes: ['workspace:admin'] }, secret);
    assert.equal(key, secret);
    assert.equal(apiKey.createdBy, 'usr_owner');
    assert.ok(apiKey.hint.endsWith('ssss'));
    assert.equal((await service.authenticate(secret))?.userId, 'usr_owner');
    await assert.rejects(service.createForWorkspace('ws_none', { scopes: ['links:read'] }), fails('not-found'));
  });
});
