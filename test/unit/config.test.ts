import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/composition/config.js';

describe('configuration', () => {
  it('has the SPEC defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '0.0.0.0');
    assert.equal(c.baseUrl.origin, 'http://localhost:8080');
    assert.equal(c.databaseUrl, null);
    assert.equal(c.dataDir, './data');
    assert.equal(c.signup, 'closed');
    assert.equal(c.trustProxy, false);
    assert.equal(c.clickRetentionDays, 0);
  });

  it('names the bad variable in one line', () => {
    for (const [env, variable] of [
      [{ PORT: 'eighty' }, 'PORT'], [{ PORT: '70000' }, 'PORT'], [{ CURT_BASE_URL: 'localhost' }, 'CURT_BASE_URL'],
      [{ CURT_BASE_URL: 'http://x.test/path' }, 'CURT_BASE_URL'], [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
      [{ CURT_SIGNUP: 'maybe' }, 'CURT_SIGNUP'], [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'], [{ CURT_TRUST_PROXY: '10.0.0.0/99' }, 'CURT_TRUST_PROXY'],
      [{ CURT_INITIAL_API_KEY: 'short' }, 'CURT_INITIAL_API_KEY'], [{ CURT_CLICK_RETENTION_DAYS: '-1' }, 'CURT_CLICK_RETENTION_DAYS'],
      [{ REDIS_URL: 'http://x' }, 'REDIS_URL'], [{ SMTP_URL: 'nope' }, 'SMTP_URL'],
    ] as const) {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === variable && e.message.startsWith(`${variable}:`) && !e.message.includes('\n'), variable);
    }
  });

  it('keeps passwords of a bad DATABASE_URL out of the message', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://me:secret@db/x' }), (e: Error) => !e.message.includes('secret'));
  });

  it('reads NAME_FILE secrets and refuses both forms at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'curt-config-'));
    const file = join(dir, 'db');
    writeFileSync(file, 'postgres://u:p@127.0.0.1/db\n');
    assert.equal(loadConfig({ DATABASE_URL_FILE: file }).databaseUrl, 'postgres://u:p@127.0.0.1/db');
    assert.throws(() => loadConfig({ DATABASE_URL_FILE: file, DATABASE_URL: 'postgres://x/y' }), /DATABASE_URL: set either/);
    assert.throws(() => loadConfig({ PORT_FILE: join(dir, 'missing') }), /^Error: PORT_FILE: cannot read|PORT_FILE: cannot read/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts trust-proxy hops, CIDRs and booleans', () => {
    assert.equal(loadConfig({ CURT_TRUST_PROXY: 'true' }).trustProxy, true);
    assert.equal(loadConfig({ CURT_TRUST_PROXY: '2' }).trustProxy, 2);
    assert.deepEqual(loadConfig({ CURT_TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy, ['10.0.0.0/8', '::1']);
  });
});
