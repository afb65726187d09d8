import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, serve, stop, type Running } from '../support/curt-process.js';
import { createDatabase } from '../support/e2e-database.js';

const pgUrl = process.env.CURT_TEST_DATABASE_URL;

/**
 * A process whose REDIS_URL points at a port nothing listens on starts (the database is fine,
 * /readyz says Redis is not) and stops on SIGTERM with exit code 0. The click stream consumer
 * used to wait for Redis forever, so shutdown ran into the forced exit (code 1 after 15 s).
 * On PostgreSQL when configured (fast to start), else embedded: it never needs Redis.
 */
describe('SIGTERM with Redis unreachable', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  const running: Running[] = [];
  let redisUrl: string;
  before(async () => { redisUrl = `redis://127.0.0.1:${await freePort()}`; });
  after(async () => {
    for (const r of running) await stop(r.child, 'SIGKILL');
    for (const cleanup of cleanups) await cleanup();
  });

  const database = async (): Promise<Record<string, string>> => {
    if (pgUrl) {
      const db = await createDatabase(pgUrl);
      cleanups.push(db.drop);
      return { DATABASE_URL: db.url };
    }
    const dir = mkdtempSync(join(tmpdir(), 'curt-e2e-redis-down-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return { CURT_DATA_DIR: dir };
  };

  it('exits 0 in roles all and worker (the roles that consume the click stream)', async () => {
    // Side by side, each on a database of its own (an embedded one is one process's).
    const started = await Promise.all(['all', 'worker'].map(async (role) => {
      const env = { ...(await database()), REDIS_URL: redisUrl, CURT_INITIAL_API_KEY: `curt_${'r'.repeat(40)}` };
      const curt = await serve(env, ['--role', role], '/healthz');
      running.push(curt);
      return { role, curt };
    }));
    for (const { role, curt } of started) {
      const ready = await fetch(`${curt.base}/readyz`);
      assert.equal(ready.status, 503, `${role}: Redis is reported down`);
      assert.equal(((await ready.json()) as { detail: string }).detail, 'unreachable: redis');
    }
    const codes = await Promise.all(started.map(({ curt }) => stop(curt.child, 'SIGTERM')));
    started.forEach(({ role, curt }, i) => assert.equal(codes[i], 0, `${role}: exit code 0, not the forced exit: ${curt.stdout().slice(-2000)}`));
  });
});
