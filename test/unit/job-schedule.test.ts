import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BACKOFF_CAP_MS, defaultBackoffMs } from '../../src/core/jobs/backoff.js';
import { RecurringSchedule } from '../../src/core/jobs/recurring.js';

describe('default backoff', () => {
  it('doubles from 1 s, is capped at 1 h, and is jittered down to 0', () => {
    assert.deepEqual([1, 2, 3, 4].map((n) => defaultBackoffMs(n, () => 0.999999)), [999, 1999, 3999, 7999]);
    assert.equal(defaultBackoffMs(40, () => 0.999999), Math.floor(0.999999 * BACKOFF_CAP_MS));
    assert.equal(defaultBackoffMs(5, () => 0), 0);
  });
});

describe('RecurringSchedule', () => {
  it('is due at the latest tick not after now, then sleeps until the next tick', () => {
    const s = new RecurringSchedule('x', '*/5 * * * *');
    const at = (iso: string) => Date.parse(iso);
    assert.equal(s.due(at('2030-01-01T10:07:00Z'))?.toISOString(), '2030-01-01T10:05:00.000Z');
    s.handled(at('2030-01-01T10:07:00Z'));
    assert.equal(s.due(at('2030-01-01T10:09:59Z')), null);
    assert.equal(s.due(at('2030-01-01T10:10:00Z'))?.toISOString(), '2030-01-01T10:10:00.000Z', 'a tick exactly now is due');
    s.handled(at('2030-01-01T10:10:00Z'));
    assert.equal(s.due(at('2030-01-01T11:03:00Z'))?.toISOString(), '2030-01-01T11:00:00.000Z', 'missed ticks: only the latest');
    const request = s.request(new Date('2030-01-01T11:00:00Z'));
    assert.equal(request.singletonKey, 'cron:x:2030-01-01T11:00:00.000Z');
    assert.equal(request.workspaceId, null);
  });

  it('refuses a malformed expression', () => {
    assert.throws(() => new RecurringSchedule('bad', 'every minute'));
  });
});
