import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engines } from '../support/engines.js';
import { startCurt, type TestCurt } from '../support/harness.js';

const engine = engines.at(-1)!;

describe(`accounts and sessions (${engine.name})`, () => {
  let t: TestCurt;
  before(async () => { t = await startCurt(engine); });
  after(() => t.close());
  let ip = 0;
  /** A fresh client address per test, so the per-IP /auth quota does not leak between tests. */
  const client = () => `198.51.100.${++ip}`;
  const post = (url: string, payload: unknown, remoteAddress: string, headers: Record<string, string> = {}) =>
    t.curt.app.inject({ method: 'POST', url, payload: payload as object, remoteAddress, headers });
  const session = (res: { cookies: Array<{ name: string; value: string }> }) => res.cookies.find((c) => c.name === 'curt_session');

  it('signs up, gets a personal workspace and a safe session cookie', async () => {
    const from = client();
    const res = await post('/api/v1/auth/signup', { email: 'Ada@Example.com', password: 'a long passphrase' }, from);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().user.email, 'ada@example.com');
    const cookie = res.cookies.find((c) => c.name === 'curt_session') as Record<string, unknown>;
    assert.ok(cookie);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.secure, undefined, 'not Secure over http');
    assert.equal(cookie.path, '/');
    const me = await t.curt.app.inject({ url: '/api/v1/me', cookies: { curt_session: String(cookie.value) } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().workspaces.length, 1);
    assert.equal(me.json().workspaces[0].role, 'owner');
    assert.equal(me.json().auth.kind, 'session');
    assert.equal((await post('/api/v1/auth/signup', { email: 'ada@example.com', password: 'another passphrase' }, client())).statusCode, 409);
  });

  it('refuses weak passwords and bad e-mails with pointers', async () => {
    const res = await post('/api/v1/auth/signup', { email: 'x@example.com', password: 'short' }, client());
    assert.equal(res.statusCode, 422);
    assert.equal(res.json().errors[0].pointer, '/password');
    assert.equal((await post('/api/v1/auth/signup', { email: 'not-an-email', password: 'long enough pw' }, client())).statusCode, 422);
  });

  it('login rotates the session id and logout ends it', async () => {
    const from = client();
    await post('/api/v1/auth/signup', { email: 'bob@example.com', password: 'bobs passphrase' }, from);
    const first = session(await post('/api/v1/auth/login', { email: 'bob@example.com', password: 'bobs passphrase' }, from))!;
    const second = await post('/api/v1/auth/login', { email: 'BOB@example.com', password: 'bobs passphrase' }, from, { cookie: `curt_session=${first.value}` });
    assert.equal(second.statusCode, 200);
    const rotated = session(second)!;
    assert.notEqual(rotated.value, first.value);
    assert.equal((await t.curt.app.inject({ url: '/api/v1/me', cookies: { curt_session: first.value } })).statusCode, 401, 'the old id is dead');
    assert.equal((await t.curt.app.inject({ url: '/api/v1/me', cookies: { curt_session: rotated.value } })).statusCode, 200);
    const out = await t.curt.app.inject({ method: 'POST', url: '/api/v1/auth/logout', cookies: { curt_session: rotated.value }, remoteAddress: from });
    assert.equal(out.statusCode, 204);
    assert.equal((await t.curt.app.inject({ url: '/api/v1/me', cookies: { curt_session: rotated.value } })).statusCode, 401);
  });

  it('wrong password and unknown account look the same', async () => {
    const wrong = await post('/api/v1/auth/login', { email: 'bob@example.com', password: 'not bobs passphrase' }, client());
    const unknown = await post('/api/v1/auth/login', { email: 'nobody@example.com', password: 'whatever pass' }, client());
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.json().detail, unknown.json().detail);
    assert.equal(wrong.json().code, 'invalid-credentials');
  });

  it('throttles /auth per IP with IETF RateLimit headers and Retry-After', async () => {
    const from = client();
    let last;
    for (let i = 0; i < 11; i++) last = await post('/api/v1/auth/login', { email: 'x@example.com', password: 'whatever pass' }, from);
    assert.equal(last!.statusCode, 429);
    assert.equal(last!.json().code, 'quota-exceeded');
    assert.match(String(last!.headers['retry-after']), /^\d+$/);
    assert.equal(last!.headers['ratelimit-policy'], '"auth";q=10;w=60');
    assert.match(String(last!.headers.ratelimit), /^"auth";r=0;t=\d+$/);
    const other = await post('/api/v1/auth/login', { email: 'y@example.com', password: 'whatever pass' }, client());
    assert.equal(other.statusCode, 401, 'another address is unaffected');
    const sameAccount = await post('/api/v1/auth/login', { email: 'x@example.com', password: 'whatever pass' }, client());
    assert.equal(sameAccount.statusCode, 429, 'ten failures also locked the account, from any address');
  });

  it('throttles failed logins per account across addresses; the right password is refused while locked', async () => {
    const from = client();
    await post('/api/v1/auth/signup', { email: 'carol@example.com', password: 'carols passphrase' }, from);
    for (let i = 0; i < 10; i++) assert.equal((await post('/api/v1/auth/login', { email: 'carol@example.com', password: `guess ${i} xx` }, client())).statusCode, 401);
    const locked = await post('/api/v1/auth/login', { email: 'carol@example.com', password: 'carols passphrase' }, client());
    assert.equal(locked.statusCode, 429);
    assert.match(String(locked.headers['retry-after']), /^\d+$/);
  });

  it('sign-up can be closed', async () => {
    const closed = await startCurt(engine, { CURT_SIGNUP: 'closed' });
    try {
      const res = await closed.curt.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 'z@example.com', password: 'long enough pw' } });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().code, 'signup-closed');
    } finally {
      await closed.close();
    }
  });

  it('cookies are Secure when the base URL is https', async () => {
    const secure = await startCurt(engine, { CURT_BASE_URL: 'https://sho.rt' });
    try {
      const res = await secure.curt.app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: { email: 's@example.com', password: 'long enough pw' } });
      assert.equal((res.cookies.find((c) => c.name === 'curt_session') as { secure?: boolean }).secure, true);
    } finally {
      await secure.close();
    }
  });
});
