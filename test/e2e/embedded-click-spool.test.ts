import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { serve, stop, type Running } from '../support/curt-process.js';
import { RedirectLoad } from '../support/redirect-load.js';

/**
 * Embedded mode (PGlite, no Redis): a served redirect's response waits until its click is in
 * the local spool, so a SIGKILL of the process loses no click its visitor saw served; the next
 * start stores what the spool holds. The stored clicks must equal the redirects the clients
 * received, plus at most the requests in flight at the kill (spooled, never answered).
 */
describe('embedded mode: clicks survive SIGKILL through the local spool', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'curt-e2e-spool-'));
  const key = `curt_${randomBytes(24).toString('hex')}`;
  const running: Running[] = [];
  after(async () => {
    for (const r of running) await stop(r.child, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts every served redirect exactly, across a kill and a restart', async () => {
    const env = { CURT_DATA_DIR: dataDir, CURT_INITIAL_API_KEY: key };
    const first = await serve(env);
    running.push(first);
    const created = await fetch(`${first.base}/api/v1/links`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/crash', slug: 'crash' }),
    });
    assert.equal(created.status, 201);

    const traffic = new RedirectLoad('/crash');
    const load = (base: string, stopAfterMs: number) => traffic.run(base, stopAfterMs);

    const loading = load(first.base, 60_000);
    while (traffic.served < 500) await sleep(20);
    const maxInFlightAtKill = traffic.inFlight;
    await stop(first.child, 'SIGKILL');
    await loading;
    assert.ok(traffic.served >= 500);
    assert.ok(readdirSync(join(dataDir, 'click-spool')).some((f) => f.endsWith('.ndjson')), 'the clicks went through the spool');

    // The restarted process stores the killed one's spool, serves on, and stops gracefully.
    const second = await serve(env);
    running.push(second);
    await load(second.base, 500);
    const clicks = async () => {
      const res = await fetch(`${second.base}/api/v1/links?search=crash`, { headers: { authorization: `Bearer ${key}` } });
      return ((await res.json()) as { data: { clicks: number }[] }).data[0]!.clicks;
    };
    // A hang guard, not a timing assertion: ingest stores the spool within seconds.
    let counted = await clicks();
    for (let i = 0; i < 240 && counted < traffic.served; i++) {
      await sleep(250);
      counted = await clicks();
    }
    assert.ok(counted >= traffic.served, `counted ${counted} < served ${traffic.served}: a served click was lost`);
    assert.ok(counted <= traffic.served + maxInFlightAtKill, `counted ${counted} > served ${traffic.served} + ${maxInFlightAtKill} in flight at the kill`);
    assert.equal(await stop(second.child, 'SIGTERM'), 0);

    // After the graceful stop, the count is final: a third start finds nothing more to store.
    const third = await serve(env);
    running.push(third);
    const res = await fetch(`${third.base}/api/v1/links?search=crash`, { headers: { authorization: `Bearer ${key}` } });
    const final = ((await res.json()) as { data: { clicks: number }[] }).data[0]!.clicks;
    await sleep(1500);
    const later = await fetch(`${third.base}/api/v1/links?search=crash`, { headers: { authorization: `Bearer ${key}` } });
    assert.equal(((await later.json()) as { data: { clicks: number }[] }).data[0]!.clicks, final);
    assert.ok(final >= traffic.served && final <= traffic.served + maxInFlightAtKill);
    assert.equal(await stop(third.child, 'SIGTERM'), 0);
  });
});
