// Jobs through the durable queue on PostgreSQL: how fast jobs are enqueued (in batches, as a
// bulk link change does, and one per transaction, as a single change does) and how fast one
// process's JobWorker claims, runs and completes no-op jobs at a few concurrencies.
import { sql } from 'kysely';
import { openPostgres } from '../src/adapters/db/database.js';
import { SqlJobQueue } from '../src/adapters/db/job-queue.sql.js';
import { migrate } from '../src/adapters/db/migrator.js';
import { MIGRATIONS_DIR } from '../src/composition/paths.js';
import { JobWorker } from '../src/core/jobs/job-worker.js';
import { SETTINGS } from './config.js';
import { createScratchDatabase } from './postgres.js';
import { aborted } from './processes.js';
import type { JobsBenchResult } from './results.js';

export async function benchJobs(ctx: { adminUrl: string; log(line: string): void }, result: JobsBenchResult): Promise<void> {
  const s = SETTINGS.jobsPhase;
  const scratch = await createScratchDatabase(ctx.adminUrl, 'curt_bench_jobs');
  const handle = await openPostgres(scratch.url, Math.max(...s.concurrency) + 2);
  try {
    await migrate(handle.db, MIGRATIONS_DIR);
    const queue = new SqlJobQueue(handle.db);
    const requests = (n: number) => Array.from({ length: n }, (_, i) => ({ name: 'bench.noop', payload: { i }, workspaceId: 'ws_bench' }));

    let started = performance.now();
    for (let i = 0; i < s.singles; i++) await queue.enqueue(requests(1));
    result.singleEnqueuePerSec = s.singles / ((performance.now() - started) / 1000);
    ctx.log(`  ${s.singles.toLocaleString('en-US')} enqueues of one job each: ${Math.round(result.singleEnqueuePerSec).toLocaleString('en-US')} jobs/s`);
    await sql`truncate jobs`.execute(handle.db);

    for (const concurrency of s.concurrency) {
      if (aborted()) throw new Error(aborted()!);
      started = performance.now();
      for (let i = 0; i < s.jobs; i += s.batch) await queue.enqueue(requests(Math.min(s.batch, s.jobs - i)));
      const enqueueSeconds = (performance.now() - started) / 1000;
      let ran = 0;
      const worker = new JobWorker(queue, { concurrency, pollMs: 10 });
      worker.define({ name: 'bench.noop', handler: async () => { ran++; } });
      started = performance.now();
      await worker.drain();
      const runSeconds = (performance.now() - started) / 1000;
      const succeeded = Number((await sql<{ n: number }>`select count(*) as n from jobs where state = 'succeeded'`.execute(handle.db)).rows[0]!.n);
      const run = {
        concurrency, jobs: s.jobs, batch: s.batch, enqueuePerSec: s.jobs / enqueueSeconds, processPerSec: s.jobs / runSeconds,
        ok: ran === s.jobs && succeeded === s.jobs,
      };
      result.runs.push(run);
      ctx.log(`  concurrency ${concurrency}: enqueue ${Math.round(run.enqueuePerSec).toLocaleString('en-US')} jobs/s (batches of ${s.batch}), run ${Math.round(run.processPerSec).toLocaleString('en-US')} jobs/s; ${ran} runs, ${succeeded} succeeded`);
      await sql`truncate jobs`.execute(handle.db);
    }
  } finally {
    await handle.close().catch(() => {});
    await scratch.drop().catch((error: unknown) => ctx.log(`could not drop ${scratch.name} yet (${error instanceof Error ? error.message : String(error)}); trying again at cleanup`));
  }
}
