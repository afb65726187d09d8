import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccountService } from '../../src/core/auth/account-service.js';
import { DomainError, type ErrorCode } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/ids.js';
import { FakeHasher, FakeRateLimiter, FakeSessions, FakeUsers } from './fakes.js';

const NOW = new Date('2030-01-01T00:00:00Z');
const PASSWORD = 'correct horse battery';

function setup(signup: 'open' | 'closed' | 'invite' = 'open', limit = 3) {
  const users = new FakeUsers();
  const sessions = new FakeSessions(users);
  const hasher = new FakeHasher();
  const loginFailures = new FakeRateLimiter('login', limit, 900);
  const service = new AccountService({ users, sessions, hasher, loginFailures, signup, sessionDays: 30, now: () => NOW });
  return { users, sessions, hasher, loginFailures, service };
}
const fails = (code: ErrorCode, check?: (e: DomainError) => void) => (e: unknown) => {
  assert.ok(e instanceof DomainError, String(e));
  assert.equal(e.code, code, e.message);
  check?.(e);
  return true;
};

describe('AccountService: sign-up and users', () => {
  it('refuses sign-up unless it is open', async () => {
    for (const mode of ['closed', 'invite'] as const) {
      const { users, service } = setup(mode);
      await assert.rejects(service.signup('a@example.com', PASSWORD), fails('signup-closed'));
      assert.equal(await users.count(), 0, mode);
    }
  });

  it('signs up with a normalised e-mail, a hashed password and a personal workspace', async () => {
    const { users, service } = setup('open');
    const { user, token, expiresAt } = await service.signup('  Ann@Example.COM ', PASSWORD);
    assert.equal(user.email, 'ann@example.com');
    assert.match(user.id, /^usr_/);
    assert.equal(user.isAdmin, false);
    assert.equal('passwordHash' in user, false);
    assert.ok(token.length >= 40);
    assert.equal(expiresAt.getTime(), NOW.getTime() + 30 * 86_400_000);
    const stored = users.created[0]!;
    assert.equal(stored.passwordHash, `fake$${PASSWORD}`);
    assert.match(stored.personalWorkspace.id, /^ws_/);
    assert.equal(await users.role(user.id, stored.personalWorkspace.id), 'owner');
  });

  it('refuses a bad e-mail and a short password with a pointer to each', async () => {
    const { users, service } = setup();
    await assert.rejects(service.createUser({ email: 'not-an-email', password: 'short' }), fails('validation-failed', (e) => {
      assert.deepEqual(e.fieldErrors.map((f) => f.pointer).sort(), ['/email', '/password']);
    }));
    for (const email of ['', 'a@b', 'a b@example.com', '@example.com', `${'x'.repeat(250)}@example.com`]) {
      await assert.rejects(service.createUser({ email, password: PASSWORD }), fails('validation-failed', (e) => {
        assert.deepEqual(e.fieldErrors.map((f) => f.pointer), ['/email']);
      }), email);
    }
    await assert.rejects(service.createUser({ email: 'a@example.com', password: '1234567' }), fails('validation-failed', (e) => {
      assert.deepEqual(e.fieldErrors.map((f) => f.pointer), ['/password']);
    }));
    await assert.rejects(service.createUser({ email: 'a@example.com', password: 'x'.repeat(257) }), fails('validation-failed'));
    assert.equal(await users.count(), 0);
  });

  it('accepts an 8-character password and a user without password', async () => {
    const { service } = setup();
    await service.createUser({ email: 'a@example.com', password: '12345678' });
    const admin = await service.createUser({ email: 'root@localhost', password: null, isAdmin: true });
    assert.equal(admin.isAdmin, true);
    await assert.rejects(service.login('root@localhost', ''), fails('invalid-credentials'));
  });

  it('refuses a second account for the same e-mail, whatever its case', async () => {
    const { service } = setup();
    await service.createUser({ email: 'a@example.com', password: PASSWORD });
    await assert.rejects(service.createUser({ email: 'A@EXAMPLE.com', password: PASSWORD }), fails('email-taken', (e) => {
      assert.deepEqual(e.fieldErrors.map((f) => f.pointer), ['/email']);
    }));
    await assert.rejects(service.signup('a@example.com', PASSWORD), fails('email-taken'));
  });
});

describe('AccountService: login', () => {
  async function withUser(limit = 3) {
    const ctx = setup('closed', limit);
    await ctx.service.createUser({ email: 'ann@example.com', password: PASSWORD });
    return ctx;
  }

  it('logs in regardless of e-mail case', async () => {
    const { service } = await withUser();
    const session = await service.login(' ANN@example.com', PASSWORD);
    assert.equal(session.user.email, 'ann@example.com');
    assert.equal('passwordHash' in session.user, false);
  });

  it('answers a wrong password and an unknown e-mail the same way', async () => {
    const { service, hasher } = await withUser();
    const wrong = await service.login('ann@example.com', 'wrong password').catch((e: unknown) => e);
    const unknown = await service.login('bob@example.com', PASSWORD).catch((e: unknown) => e);
    const malformed = await service.login('bob', PASSWORD).catch((e: unknown) => e);
    for (const e of [wrong, unknown, malformed]) assert.ok(e instanceof DomainError && e.code === 'invalid-credentials', String(e));
    assert.equal((wrong as DomainError).message, (unknown as DomainError).message);
    assert.equal(hasher.verifies, 3, 'unknown accounts still cost a password check');
  });

  it('blocks an account after too many failures, with retryAfterSeconds', async () => {
    const { service, loginFailures } = await withUser(3);
    for (let i = 0; i < 3; i++) await assert.rejects(service.login('ann@example.com', `wrong ${i}`), fails('invalid-credentials'));
    await assert.rejects(service.login('Ann@Example.com', PASSWORD), fails('quota-exceeded', (e) => {
      assert.equal(e.retryAfterSeconds, 900);
      assert.ok(Number.isInteger(e.retryAfterSeconds));
    }), 'even the right password is refused while blocked');
    assert.equal(loginFailures.used.get('ann@example.com'), 3);
  });

  it('limits unknown e-mails too', async () => {
    const { service } = await withUser(2);
    for (let i = 0; i < 2; i++) await assert.rejects(service.login('ghost@example.com', 'x'), fails('invalid-credentials'));
    await assert.rejects(service.login('ghost@example.com', 'x'), fails('quota-exceeded'));
    await service.login('ann@example.com', PASSWORD);
  });

  it('resets the failure count on success', async () => {
    const { service, loginFailures } = await withUser(3);
    for (let i = 0; i < 2; i++) await assert.rejects(service.login('ann@example.com', 'wrong'), fails('invalid-credentials'));
    await service.login('ann@example.com', PASSWORD);
    assert.equal(loginFailures.used.has('ann@example.com'), false);
    for (let i = 0; i < 2; i++) await assert.rejects(service.login('ann@example.com', 'wrong'), fails('invalid-credentials'));
    await service.login('ann@example.com', PASSWORD);
  });

  it('creates a new token per login and stores only its SHA-256', async () => {
    const { service, sessions } = await withUser();
    const first = await service.login('ann@example.com', PASSWORD);
    const second = await service.login('ann@example.com', PASSWORD);
    assert.notEqual(first.token, second.token);
    assert.deepEqual([...sessions.rows.keys()].sort(), [sha256(first.token), sha256(second.token)].sort());
    for (const [hash, row] of sessions.rows) {
      assert.match(hash, /^[0-9a-f]{64}$/);
      assert.notEqual(hash, first.token);
      assert.equal(row.userId, first.user.id);
    }
    assert.equal(JSON.stringify([...sessions.rows]).includes(first.token), false);
  });

  it('finds the user of a session and forgets it on logout', async () => {
    const { service } = await withUser();
    const { token, user } = await service.login('ann@example.com', PASSWORD);
    assert.equal((await service.userForSession(token))?.id, user.id);
    assert.equal(await service.userForSession('forged'), null);
    await service.logout(token);
    assert.equal(await service.userForSession(token), null);
  });

  it('changes a password', async () => {
    const { service } = await withUser();
    await assert.rejects(service.setPassword('ann@example.com', 'short'), fails('validation-failed'));
    await assert.rejects(service.setPassword('nobody@example.com', 'long enough'), fails('not-found'));
    await service.setPassword('ANN@example.com', 'a new passphrase');
    await assert.rejects(service.login('ann@example.com', PASSWORD), fails('invalid-credentials'));
    await service.login('ann@example.com', 'a new passphrase');
  });
});
