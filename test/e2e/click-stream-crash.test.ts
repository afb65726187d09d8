import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { serve, stop, type Running } from '../support/curt-process.js';
import { redisAvailable, redisUrl, uniquePrefix } from '../support/redis.js';
import { RedirectLoad } from '../support/redirect-load.js';

const pgUrl = process.env.CURT_TEST_DATABASE_URL;
const available = pgUrl !== undefined && (await redisAvailable());

/**
 * SPEC §6: with REDIS_URL, clicks survive a crash of the process that served them. A redirect
 * process is SIGKILLed in the middle of a load; a worker process ingests from the stream; the
 * stored clicks must then equal the redirects the clients received (plus at most the requests
 * that were in flight at the kill: their clicks reached Redis, their responses did not leave).
 */
describe('clicks through the Redis stream survive SIGKILL of the serving process', { skip: !available && 'needs PostgreSQL and Redis' }, () => {
  const dbName = `curt_e2e_${randomBytes(5).toString('hex')}`;
  let dbUrl: string;
  const key = `curt_${randomBytes(24).toString('hex')}`;
  const running: Running[] = [];

  before(async () => {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(pgUrl!);
    url.pathname = `/${dbName}`;
    dbUrl = url.href;
  });
  after(async () => {
    for (const r of running) await stop(r.child, 'SIGKILL');
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it('counts every served redirect exactly, across a kill and a restart', async () => {
    const env = { DATABASE_URL: dbUrl, REDIS_URL: redisUrl, CURT_REDIS_PREFIX: uniquePrefix(), CURT_INITIAL_API_KEY: key };
    const worker = await serve(env, ['--role', 'all']);
    running.push(worker);
    const created = await fetch(`${worker.base}/api/v1/links`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/crash', slug: 'crash' }),
    });
    assert.equal(created.status, 201);
    const { id } = await created.json() as { id: string };

    let maxInFlightAtKill = 0;
    const traffic = new RedirectLoad('/crash');
    const load = (base: string, stopAfterMs: number) => traffic.run(base, stopAfterMs);

    const redirect = await serve(env, ['--role', 'redirect']);
    running.push(redirect);
    const loading = load(redirect.base, 60_000);
    while (traffic.served < 300) await sleep(20);
    maxInFlightAtKill = traffic.inFlight;
    await stop(redirect.child, 'SIGKILL');
    await loading;
    const servedBeforeKill = traffic.served;
    assert.ok(servedBeforeKill >= 300);

    // A restarted redirect process serves on; a graceful stop of it loses nothing either.
    const restarted = await serve(env, ['--role', 'redirect']);
    running.push(restarted);
    await load(restarted.base, 500);
    assert.equal(await stop(restarted.child, 'SIGTERM'), 0);

    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const count = async () => Number((await db.query('select count(*) as n from clicks where link_id = $1', [id])).rows[0].n);
      // Wait for the worker to drain the stream (a hang guard, not a timing assertion).
      let stored = -1;
      for (let i = 0; i < 200; i++) {
        const now = await count();
        if (now === stored && now >= traffic.served) break;
        stored = now;
        await sleep(250);
      }
      stored = await count();
      assert.ok(stored >= traffic.served, `stored ${stored} < served ${traffic.served}: a served click was lost`);
      assert.ok(stored <= traffic.served + maxInFlightAtKill, `stored ${stored} > served ${traffic.served} + ${maxInFlightAtKill} in flight at the kill`);
      const link = await db.query('select clicks from links where id = $1', [id]);
      assert.equal(Number(link.rows[0].clicks), stored, 'the link counter equals the stored clicks');
    } finally {
      await db.end();
    }
    assert.equal(await stop(worker.child, 'SIGTERM'), 0);
  });
});
