import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { SqlJobQueue, enqueueIn } from '../../src/adapters/db/job-queue.sql.js';
import { JobWorker } from '../../src/core/jobs/job-worker.js';
import { PermanentFailure, RetryAfter, type JobDefinition } from '../../src/core/jobs/ports.js';
import { engines } from '../support/engines.js';
import { createUser } from './fixtures.js';

let names = 0;
const uniqueName = (prefix: string) => `${prefix}.${++names}`;

for (const engine of engines) {
  describe(`job queue on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    let queue: SqlJobQueue;
    let workspaceId: string;
    const job = (id: string) => db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    // Errors the worker would only log (e.g. a failed write of a job's outcome), kept so a
    // test that sees the wrong attempts says why.
    let workerErrors: string[] = [];
    const worker = (definitions: JobDefinition[], options: ConstructorParameters<typeof JobWorker>[1] = {}) => {
      workerErrors = [];
      const w = new JobWorker(queue, { pollMs: 10, onError: (error, during) => { workerErrors.push(`${during}: ${String(error)}`); }, ...options });
      for (const d of definitions) w.define(d);
      return w;
    };

    before(async () => {
      handle = await engine.open();
      db = handle.db;
      queue = new SqlJobQueue(db, { leaseCheckMs: 0 });
      workspaceId = (await createUser(db)).workspaceId;
    });
    after(async () => { await handle.close(); });

    it('enqueues inside the caller\'s transaction: a rollback leaves no job', async () => {
      const name = uniqueName('tx');
      await assert.rejects(db.transaction().execute(async (tx) => {
        await enqueueIn(tx, [{ name, payload: { n: 1 }, workspaceId }]);
        throw new Error('the change failed');
      }), /the change failed/);
      assert.equal((await db.selectFrom('jobs').select('id').where('name', '=', name).execute()).length, 0);
      const [id] = await db.transaction().execute((tx) => enqueueIn(tx, [{ name, payload: { n: 2 }, workspaceId }]));
      const row = await job(id!);
      assert.equal(row.state, 'queued');
      assert.deepEqual(row.payload, { n: 2 });
      assert.equal(row.attempt, 0);
    });

    it('a singletonKey held by a queued or running job makes enqueue a no-op that answers its id', async () => {
      const name = uniqueName('single');
      const [a, b] = await queue.enqueue([{ name, payload: {}, workspaceId: null, singletonKey: `k-${name}` }, { name, payload: {}, workspaceId: null, singletonKey: `k-${name}` }]);
      assert.equal(a, b);
      const [c] = await queue.enqueue([{ name, payload: {}, workspaceId: null, singletonKey: `k-${name}` }]);
      assert.equal(c, a);
      await worker([{ name, handler: async () => {} }]).drain();
      const [d] = await queue.enqueue([{ name, payload: {}, workspaceId: null, singletonKey: `k-${name}` }]);
      assert.notEqual(d, a, 'once the first finished, the key is free again');
    });

    it('runs a job once and records success; a scheduled job waits for its time', async () => {
      const name = uniqueName('ok');
      const seen: number[] = [];
      const [now, later] = await queue.enqueue([
        { name, payload: { n: 1 }, workspaceId },
        { name, payload: { n: 2 }, workspaceId, runAt: new Date(Date.now() + 3_600_000) },
      ]);
      await worker([{ name, maxAttempts: 7, handler: async (j) => { seen.push(j.payload.n as number); assert.equal(j.attempt, 1); assert.equal(j.maxAttempts, 7); } }]).drain();
      assert.deepEqual(seen, [1]);
      const done = await job(now!);
      assert.equal(done.state, 'succeeded');
      assert.equal(done.max_attempts, 7);
      assert.ok(done.finished_at);
      assert.equal((await job(later!)).state, 'queued');
    });

    it('a failing job is retried with its backoff, then dead after its last attempt', async () => {
      const name = uniqueName('fail');
      const attempts: number[] = [];
      const backoffs: number[] = [];
      const [id] = await queue.enqueue([{ name, payload: {}, workspaceId }]);
      const w = worker([{ name, maxAttempts: 3, backoffMs: (n) => { backoffs.push(n); return 0; }, handler: async (j) => { attempts.push(j.attempt); throw new Error(`boom ${j.attempt}`); } }]);
      await w.drain();
      assert.deepEqual(attempts, [1, 2, 3], `worker errors: ${workerErrors.join('; ') || 'none'}`);
      assert.deepEqual(backoffs, [1, 2], 'no backoff after the last attempt');
      const dead = await job(id!);
      assert.equal(dead.state, 'dead');
      assert.equal(dead.attempt, 3);
      assert.equal(dead.last_error, 'attempt 3 of 3: boom 3');
    });

    it('the default backoff delays the next run (exponential with jitter)', async () => {
      const name = uniqueName('backoff');
      const [id] = await queue.enqueue([{ name, payload: {}, workspaceId }]);
      await worker([{ name, handler: async () => { throw new Error('later'); } }], { random: () => 0.999 }).drain();
      const row = await job(id!);
      assert.equal(row.state, 'queued');
      assert.equal(row.last_error, 'later');
      assert.equal(row.run_at.getTime() - row.updated_at.getTime(), 999, 'attempt 1: up to 1 s');
    });

    it('RetryAfter sets the next run at that delay; PermanentFailure is dead at once', async () => {
      const later = uniqueName('retry-after');
      const never = uniqueName('permanent');
      const [a, b] = await queue.enqueue([{ name: later, payload: {}, workspaceId }, { name: never, payload: {}, workspaceId }]);
      await worker([
        { name: later, handler: async () => { throw new RetryAfter(30_000, 'rate limited'); } },
        { name: never, handler: async () => { throw new PermanentFailure('410 Gone'); } },
      ]).drain();
      const retried = await job(a!);
      assert.equal(retried.state, 'queued');
      assert.equal(retried.run_at.getTime() - retried.updated_at.getTime(), 30_000);
      assert.equal(retried.last_error, 'RetryAfter: rate limited');
      const dead = await job(b!);
      assert.equal(dead.state, 'dead');
      assert.equal(dead.attempt, 1);
      assert.equal(dead.last_error, 'PermanentFailure: 410 Gone');
    });

    it('a worker leaves job types it does not define queued (rolling deploys), and one that defines them runs them', async () => {
      const name = uniqueName('newer');
      const [id] = await queue.enqueue([{ name, payload: {}, workspaceId }]);
      await worker([{ name: uniqueName('older'), handler: async () => {} }]).drain();
      await worker([]).drain();
      assert.equal((await job(id!)).state, 'queued', 'untouched by workers that do not know it');
      assert.equal((await job(id!)).attempt, 0);
      const runs: string[] = [];
      await worker([{ name, handler: async (j) => { runs.push(j.id); } }]).drain();
      assert.deepEqual(runs, [id]);
      assert.equal((await job(id!)).state, 'succeeded');
    });

    it('a dead job retried by hand runs again with a fresh attempt budget; only dead jobs, only its workspace', async () => {
      const name = uniqueName('manual');
      let fail = true;
      const [id] = await queue.enqueue([{ name, payload: {}, workspaceId }]);
      const w = worker([{ name, maxAttempts: 1, handler: async () => { if (fail) throw new Error('down'); } }]);
      await w.drain();
      assert.equal((await job(id!)).state, 'dead');
      const other = (await createUser(db)).workspaceId;
      assert.equal(await queue.retryDead(other, id!), 'missing');
      assert.equal(await queue.retryDead(workspaceId, id!), 'ok');
      const queued = await job(id!);
      assert.equal(queued.state, 'queued');
      assert.equal(queued.attempt, 0);
      fail = false;
      await w.drain();
      assert.equal((await job(id!)).state, 'succeeded');
      assert.equal(await queue.retryDead(workspaceId, id!), 'not-dead');
      assert.equal(await queue.retryDead(workspaceId, 'job_missing'), 'missing');
    });

    it('a job whose worker never finishes runs again after the lease, and the stale run cannot overwrite it', async () => {
      const name = uniqueName('lease');
      const [id] = await queue.enqueue([{ name, payload: {}, workspaceId }]);
      const policies = new Map([[name, { maxAttempts: 5, leaseMs: 30 }]]);
      const [claimed] = await queue.claim('crashed-worker', 100, policies);
      assert.equal(claimed?.id, id, 'only jobs of the names given are claimed');
      assert.ok(claimed, 'claimed by the worker that will "crash"');
      assert.equal((await job(id!)).locked_by, 'crashed-worker');
      await sleep(60); // past the 30 ms lease
      const runs: number[] = [];
      await worker([{ name, leaseMs: 30_000, handler: async (j) => { runs.push(j.attempt); } }]).drain();
      assert.deepEqual(runs, [2]);
      const row = await job(id!);
      assert.equal(row.state, 'succeeded');
      await queue.bury(claimed, 'the crashed worker came back');
      assert.equal((await job(id!)).state, 'succeeded', 'the outcome of the expired run is ignored');
    });

    it('two workers never run the same job at once, and every job runs once', async () => {
      const name = uniqueName('race');
      const count = 120;
      const ids = await queue.enqueue(Array.from({ length: count }, (_, i) => ({ name, payload: { i }, workspaceId })));
      const running = new Set<string>();
      const runs = new Map<string, number>();
      let overlaps = 0;
      const definition: JobDefinition = {
        name,
        handler: async (j) => {
          if (running.has(j.id)) overlaps++;
          running.add(j.id);
          runs.set(j.id, (runs.get(j.id) ?? 0) + 1);
          await sleep(1);
          running.delete(j.id);
        },
      };
      const other = new SqlJobQueue(db, { leaseCheckMs: 0 });
      const a = new JobWorker(queue, { concurrency: 4 });
      const b = new JobWorker(other, { concurrency: 4 });
      a.define(definition);
      b.define(definition);
      await Promise.all([a.drain(), b.drain()]);
      assert.equal(overlaps, 0);
      assert.equal(runs.size, count);
      assert.ok([...runs.values()].every((n) => n === 1));
      const states = await db.selectFrom('jobs').select('state').where('id', 'in', ids).execute();
      assert.ok(states.every((s) => s.state === 'succeeded'));
    });

    it('a cron tick is enqueued once by several schedulers, and missed ticks run once', async () => {
      const name = uniqueName('cron');
      let now = Date.parse('2030-01-01T10:00:30Z');
      const make = () => {
        const w = new JobWorker(new SqlJobQueue(db), { now: () => now });
        w.define({ name, handler: async () => {} });
        w.schedule(name, '* * * * *', { kind: 'test' });
        return w;
      };
      const [a, b] = [make(), make()];
      await Promise.all([a.drain(), b.drain()]);
      const ticks = async () => (await db.selectFrom('jobs').select(['singleton_key', 'payload']).where('name', '=', name).orderBy('run_at').execute());
      assert.deepEqual((await ticks()).map((t) => t.singleton_key), [`cron:${name}:2030-01-01T10:00:00.000Z`]);
      assert.deepEqual((await ticks())[0]!.payload, { kind: 'test', tick: '2030-01-01T10:00:00.000Z' });
      now += 15_000; // same minute: nothing new
      await Promise.all([a.drain(), b.drain()]);
      assert.equal((await ticks()).length, 1);
      now = Date.parse('2030-01-01T10:05:10Z'); // four ticks missed
      await Promise.all([b.drain(), a.drain()]);
      assert.deepEqual((await ticks()).map((t) => t.singleton_key), [`cron:${name}:2030-01-01T10:00:00.000Z`, `cron:${name}:2030-01-01T10:05:00.000Z`]);
    });

    it('lists a workspace\'s jobs newest first with a cursor and a state filter, and counts the depth', async () => {
      const ws = (await createUser(db)).workspaceId;
      const name = uniqueName('list');
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(...await queue.enqueue([{ name, payload: { i }, workspaceId: ws }]));
      await queue.enqueue([{ name: uniqueName('elsewhere'), payload: {}, workspaceId: null }]);
      const first = await queue.list({ workspaceId: ws, after: null, limit: 3 });
      assert.deepEqual(first.map((j) => j.id), ids.slice(2).reverse());
      const last = first.at(-1)!;
      const second = await queue.list({ workspaceId: ws, after: { createdAt: last.createdAt, id: last.id }, limit: 3 });
      assert.deepEqual(second.map((j) => j.id), ids.slice(0, 2).reverse());
      assert.deepEqual(await queue.depth(ws), { queued: 5, running: 0, dead: 0 });
      await db.updateTable('jobs').set({ state: 'dead' }).where('id', '=', ids[0]!).execute();
      assert.deepEqual(await queue.depth(ws), { queued: 4, running: 0, dead: 1 });
      assert.deepEqual((await queue.list({ workspaceId: ws, state: 'dead', after: null, limit: 10 })).map((j) => j.id), [ids[0]]);
      assert.equal((await queue.get(ws, ids[1]!))?.name, name);
      assert.equal(await queue.get(workspaceId, ids[1]!), null);
    });

    it('pages jobs enqueued at one instant (one statement) by id, none skipped or repeated (0014)', async () => {
      const ws = (await createUser(db)).workspaceId;
      const name = uniqueName('instant');
      const ids = await queue.enqueue([0, 1, 2, 3, 4].map((i) => ({ name, payload: { i }, workspaceId: ws })));
      const seen: string[] = [];
      let after: { createdAt: Date; id: string } | null = null;
      for (let page = 0; page < 5; page++) {
        const rows = await queue.list({ workspaceId: ws, after, limit: 2 });
        seen.push(...rows.map((j) => j.id));
        if (rows.length < 2) break;
        // As the API's cursor carries it: an ISO instant, in milliseconds.
        after = { createdAt: new Date(rows.at(-1)!.createdAt.toISOString()), id: rows.at(-1)!.id };
      }
      assert.deepEqual(seen, [...ids].sort().reverse());
    });

    it('prunes succeeded jobs after 7 days and dead ones after 30', async () => {
      const name = uniqueName('prune');
      const ids = await queue.enqueue([0, 1, 2, 3].map((i) => ({ name, payload: { i }, workspaceId })));
      const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000);
      await db.updateTable('jobs').set({ state: 'succeeded', finished_at: daysAgo(8) }).where('id', '=', ids[0]!).execute();
      await db.updateTable('jobs').set({ state: 'succeeded', finished_at: daysAgo(6) }).where('id', '=', ids[1]!).execute();
      await db.updateTable('jobs').set({ state: 'dead', finished_at: daysAgo(8) }).where('id', '=', ids[2]!).execute();
      await db.updateTable('jobs').set({ state: 'dead', finished_at: daysAgo(31) }).where('id', '=', ids[3]!).execute();
      await queue.prune(Date.now(), 7, 30, 1);
      const left = (await db.selectFrom('jobs').select('id').where('id', 'in', ids).execute()).map((r) => r.id).sort();
      assert.deepEqual(left, [ids[1]!, ids[2]!].sort());
    });
  });
}
