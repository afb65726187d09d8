import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BIN, serve, stop } from '../support/curt-process.js';

const cli = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

describe('the real curt binary', () => {
  let dataDir: string;
  before(() => { dataDir = mkdtempSync(join(tmpdir(), 'curt-e2e-')); });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('boots, prints the bootstrap once, serves a redirect, and stops cleanly on SIGTERM', async () => {
    const first = await serve({ CURT_DATA_DIR: dataDir });
    const key = /API key:\s+(curt_[A-Za-z0-9_-]+)/.exec(first.stdout())?.[1];
    assert.ok(key, first.stdout());
    assert.match(first.stdout(), /Password:\s+\S{24}/);
    const created = await fetch(`${first.base}/api/v1/links`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.com/e2e', slug: 'e2e' }) });
    assert.equal(created.status, 201);
    const hop = await fetch(`${first.base}/e2e?from=test`, { redirect: 'manual' });
    assert.equal(hop.status, 302);
    assert.equal(hop.headers.get('location'), 'https://example.com/e2e?from=test');
    assert.equal(await stop(first.child, 'SIGTERM'), 0);

    const second = await serve({ CURT_DATA_DIR: dataDir });
    assert.doesNotMatch(second.stdout(), /API key:|Password:/, 'bootstrap runs once');
    const link = await (await fetch(`${second.base}/api/v1/links?search=e2e`, { headers: { authorization: `Bearer ${key}` } })).json() as { data: Array<{ clicks: number }> };
    assert.equal(link.data[0]!.clicks, 1, 'the click served before SIGTERM was stored');
    assert.equal((await fetch(`${second.base}/e2e`, { redirect: 'manual' })).status, 302, 'data persisted');
    assert.equal(await stop(second.child, 'SIGINT'), 0);
  });

  it('registers CURT_INITIAL_API_KEY and prints nothing secret', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'curt-e2e-key-'));
    const key = `curt_${'k'.repeat(40)}`;
    try {
      const run = await serve({ CURT_DATA_DIR: dir, CURT_INITIAL_API_KEY: key });
      assert.doesNotMatch(run.stdout(), /Password:\s+\S{24}|curt_k{40}/);
      const me = await fetch(`${run.base}/api/v1/me`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(me.status, 200);
      assert.ok(((await me.json()) as { auth: { scopes: string[] } }).auth.scopes.includes('workspace:admin'));
      assert.equal(await stop(run.child, 'SIGTERM'), 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the CLI commands with exit codes and one-line errors', () => {
    const env = { CURT_DATA_DIR: dataDir };
    const help = cli(['--help'], env);
    assert.equal(help.status, 0);
    for (const command of ['serve', 'migrate', 'users', 'api-keys']) assert.match(help.stdout, new RegExp(command));
    assert.equal(cli(['serve', '--help'], env).status, 0);
    assert.match(cli(['migrate'], env).stdout, /up to date/);
    const user = cli(['users', 'create', '--email', 'ops@example.com', '--admin'], env);
    assert.equal(user.status, 0, user.stderr);
    assert.match(user.stdout, /created ops@example.com .*admin\npassword: \S+/);
    const dup = cli(['users', 'create', '--email', 'ops@example.com', '--password', 'long enough pw'], env);
    assert.equal(dup.status, 1);
    assert.match(dup.stderr, /^curt: an account with this e-mail already exists/);
    const bad = cli(['migrate'], { ...env, PORT: 'x' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /^curt: invalid configuration: PORT: /);
    const badScope = cli(['api-keys', 'create', '--workspace', 'ws_nope', '--scopes', 'links:read'], env);
    assert.equal(badScope.status, 1);
    assert.match(badScope.stderr, /workspace ws_nope not found/);
    assert.notEqual(cli(['frobnicate'], env).status, 0);
  });
});
