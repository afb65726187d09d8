import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '../../src/composition/config.js';
import { newWebhookSecret, webhookHeaders } from '../../src/core/webhooks/signing.js';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule, withJitter } from '../../src/core/webhooks/retry-schedule.js';
import { outcomeOf, parseRetryAfter } from '../../src/core/webhooks/delivery-outcome.js';

describe('Standard Webhooks signing', () => {
  it('makes whsec_ secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    assert.notEqual(newWebhookSecret(), secret);
  });

  it('signs so that the standardwebhooks package verifies it', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify({ type: 'link.created', timestamp: '2030-01-01T00:00:00.000Z', data: { id: 'lnk_1' } });
    const headers = webhookHeaders([secret], 'evt_1', new Date(), body);
    assert.equal(headers['webhook-id'], 'evt_1');
    assert.match(headers['webhook-signature']!, /^v1,[A-Za-z0-9+/]+=*$/);
    assert.deepEqual(new StandardWebhook(secret).verify(body, headers), JSON.parse(body));
    assert.throws(() => new StandardWebhook(newWebhookSecret()).verify(body, headers), /signature/i, 'another secret does not verify');
    assert.throws(() => new StandardWebhook(secret).verify(body.replace('lnk_1', 'lnk_2'), headers), 'a changed body does not verify');
  });

  it('sends both signatures during a rotation, each verifiable', () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const body = '{"type":"link.deleted"}';
    const headers = webhookHeaders([current, previous], 'evt_2', new Date(), body);
    assert.equal(headers['webhook-signature']!.split(' ').length, 2);
    new StandardWebhook(current).verify(body, headers);
    new StandardWebhook(previous).verify(body, headers);
  });
});

describe('retry schedule', () => {
  it('defaults to SPEC §5', () => {
    assert.deepEqual(DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule('5s,5m,30m,2h,5h,10h,14h,20h,24h'));
  });

  it('parses units and refuses anything else with a reason', () => {
    assert.deepEqual(parseRetrySchedule('250ms, 5s,5m,2h,1d'), [250, 5000, 300_000, 7_200_000, 86_400_000]);
    for (const bad of ['', '5', '5x', '5s,,5m', '-5s', '1.5s', '8d']) assert.throws(() => parseRetrySchedule(bad), bad);
  });

  it('jitters within ±15 %', () => {
    assert.equal(withJitter(1000, () => 0), 850);
    assert.equal(withJitter(1000, () => 1), 1150);
    assert.equal(withJitter(1000, () => 0.5), 1000);
  });

  it('is configurable, with a one-line error naming the variable', () => {
    assert.equal(loadConfig({}).webhookRetrySchedule, null);
    assert.deepEqual(loadConfig({ CURT_WEBHOOK_RETRY_SCHEDULE: '5s,5m,30m' }).webhookRetrySchedule, [5000, 300_000, 1_800_000]);
    for (const [env, variable] of [[{ CURT_WEBHOOK_RETRY_SCHEDULE: 'soon' }, 'CURT_WEBHOOK_RETRY_SCHEDULE'], [{ CURT_WEBHOOK_ALLOW_PRIVATE: 'yes' }, 'CURT_WEBHOOK_ALLOW_PRIVATE']] as const) {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && e.variable === variable && e.message.startsWith(`${variable}:`) && !e.message.includes('\n'));
    }
    assert.equal(loadConfig({}).webhookAllowPrivate, false);
    assert.equal(loadConfig({ CURT_WEBHOOK_ALLOW_PRIVATE: 'true' }).webhookAllowPrivate, true);
  });
});

describe('delivery outcome rules', () => {
  const response = (status: number, retryAfterMs: number | null = null) => ({ kind: 'response' as const, status, durationMs: 1, bodyExcerpt: '', retryAfterMs });
  it('2xx delivered, 3xx failed and not followed, 410 gone, others failed', () => {
    assert.equal(outcomeOf(response(200)).kind, 'delivered');
    assert.equal(outcomeOf(response(204)).kind, 'delivered');
    assert.deepEqual(outcomeOf(response(302)), { kind: 'failed', error: 'HTTP 302: redirects are not followed', retryAfterMs: null });
    assert.equal(outcomeOf(response(410)).kind, 'gone');
    assert.deepEqual(outcomeOf(response(500, 9000)), { kind: 'failed', error: 'HTTP 500', retryAfterMs: null }, 'Retry-After only counts on 429/503');
    assert.deepEqual(outcomeOf(response(429, 9000)), { kind: 'failed', error: 'HTTP 429', retryAfterMs: 9000 });
    assert.deepEqual(outcomeOf(response(503, 1000)), { kind: 'failed', error: 'HTTP 503', retryAfterMs: 1000 });
    assert.deepEqual(outcomeOf({ kind: 'error', error: 'ECONNREFUSED', durationMs: 1 }), { kind: 'failed', error: 'ECONNREFUSED', retryAfterMs: null });
  });

  it('reads Retry-After as seconds or a date, capped at a day', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now), 60_000);
    assert.equal(parseRetryAfter('9999999', now), 86_400_000);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });
});
