import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openPostgres, type DatabaseHandle } from '../../src/adapters/db/database.js';
import { SqlJobQueue } from '../../src/adapters/db/job-queue.sql.js';
import { migrate } from '../../src/adapters/db/migrator.js';
import { MIGRATIONS_DIR } from '../../src/composition/paths.js';
import { JobWorker } from '../../src/core/jobs/job-worker.js';

const pgUrl = process.env.CURT_TEST_DATABASE_URL;
const CHILD = fileURLToPath(new URL('../support/job-crash-child.js', import.meta.url));

/** A real worker process SIGKILLed in the middle of a job: the job runs again after its lease. */
describe('a job whose worker process is killed mid-run', { skip: !pgUrl && 'needs PostgreSQL (CURT_TEST_DATABASE_URL)' }, () => {
  const dbName = `curt_e2e_${randomBytes(5).toString('hex')}`;
  let url: string;
  let handle: DatabaseHandle;

  before(async () => {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const u = new URL(pgUrl!);
    u.pathname = `/${dbName}`;
    url = u.href;
    handle = await openPostgres(url, 2);
    await migrate(handle.db, MIGRATIONS_DIR);
  });
  after(async () => {
    await handle?.close();
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  });

  it('runs again on another worker once the lease has passed, exactly once more', async () => {
    const queue = new SqlJobQueue(handle.db, { leaseCheckMs: 0 });
    const [id] = await queue.enqueue([{ name: 'crash.me', payload: { n: 1 }, workspaceId: null }]);
    const child = spawn(process.execPath, [CHILD, url, 'crash.me', '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const started = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /started (\S+)/.exec(out); if (m) resolve(m[1]!); });
        child.once('exit', (code) => reject(new Error(`child exited (${code}) before starting the job: ${out}`)));
      });
      assert.equal(started, id);
    } finally {
      await new Promise<void>((resolve) => { if (child.exitCode !== null || child.signalCode !== null) resolve(); else { child.once('exit', () => resolve()); child.kill('SIGKILL'); } });
    }
    const row = () => handle.db.selectFrom('jobs').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    assert.equal((await row()).state, 'running');
    assert.equal((await row()).locked_by, 'doomed-worker');

    const runs: number[] = [];
    const survivor = new JobWorker(queue, { workerId: 'survivor' });
    survivor.define({ name: 'crash.me', handler: async (job) => { runs.push(job.attempt); } });
    const deadline = Date.now() + 30_000; // a hang guard, not a timing assertion
    while ((await row()).state !== 'succeeded' && Date.now() < deadline) {
      await survivor.drain();
      await sleep(50);
    }
    assert.deepEqual(runs, [2], 'once more, as attempt 2');
    const done = await row();
    assert.equal(done.state, 'succeeded');
    assert.match(done.last_error ?? '', /attempt 1 did not finish within its lease \(worker doomed-worker crashed or stalled\)/);
  });
});
