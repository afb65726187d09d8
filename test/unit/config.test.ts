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

describe('configuration: e-mail', () => {
  it('turns e-mail on with an smtp(s) URL and defaults the sender to the base host', () => {
    assert.equal(loadConfig({}).smtpUrl, null);
    assert.equal(loadConfig({}).mailFrom, 'Curt <curt@localhost>');
    const c = loadConfig({ SMTP_URL: 'smtps://user:pass@mail.example.com:465', CURT_BASE_URL: 'https://go.example.com' });
    assert.equal(c.smtpUrl, 'smtps://user:pass@mail.example.com:465');
    assert.equal(c.mailFrom, 'Curt <curt@go.example.com>');
    assert.equal(loadConfig({ CURT_MAIL_FROM: 'Links <links@example.com>' }).mailFrom, 'Links <links@example.com>');
  });

  it('refuses other schemes, a URL without host, and a sender that is no address or breaks the header', () => {
    for (const [env, variable] of [
      [{ SMTP_URL: 'http://mail.example.com' }, 'SMTP_URL'], [{ SMTP_URL: 'smtp://' }, 'SMTP_URL'],
      [{ CURT_MAIL_FROM: 'curt' }, 'CURT_MAIL_FROM'], [{ CURT_MAIL_FROM: 'Curt <a@b>\r\nBcc: x@example.com' }, 'CURT_MAIL_FROM'],
    ] as const) {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === variable, JSON.stringify(env));
    }
    assert.throws(() => loadConfig({ SMTP_URL: 'smtp://me:secret@' }), (e: Error) => !e.message.includes('secret'));
  });
});

describe('configuration: metrics and load shedding', () => {
  it('leaves /metrics open by default and sheds past 1 s of event-loop delay', () => {
    const c = loadConfig({});
    assert.equal(c.metricsToken, null);
    assert.equal(c.shedEventLoopDelayMs, 1000);
    assert.equal(loadConfig({ CURT_METRICS_TOKEN: 'a-long-enough-token_123' }).metricsToken, 'a-long-enough-token_123');
    assert.equal(loadConfig({ CURT_SHED_EVENT_LOOP_DELAY_MS: '0' }).shedEventLoopDelayMs, 0);
  });

  it('refuses a short or spaced token and a delay out of range', () => {
    for (const [env, variable] of [
      [{ CURT_METRICS_TOKEN: 'short' }, 'CURT_METRICS_TOKEN'], [{ CURT_METRICS_TOKEN: 'has a space in the middle' }, 'CURT_METRICS_TOKEN'],
      [{ CURT_SHED_EVENT_LOOP_DELAY_MS: '-1' }, 'CURT_SHED_EVENT_LOOP_DELAY_MS'], [{ CURT_SHED_EVENT_LOOP_DELAY_MS: '60001' }, 'CURT_SHED_EVENT_LOOP_DELAY_MS'],
    ] as const) {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === variable, JSON.stringify(env));
    }
  });
});
