// A worker process for the lease e2e test: it claims jobs named by argv[3] on the PostgreSQL
// database argv[2] with a short lease, says "started <id>" and never finishes, so the test can
// SIGKILL it mid-job.
import { openPostgres } from '../../src/adapters/db/database.js';
import { SqlJobQueue } from '../../src/adapters/db/job-queue.sql.js';
import { JobWorker } from '../../src/core/jobs/job-worker.js';

const [url, name, leaseMs] = process.argv.slice(2);
const handle = await openPostgres(url!, 2);
const worker = new JobWorker(new SqlJobQueue(handle.db), { pollMs: 20, workerId: 'doomed-worker' });
worker.define({
  name: name!, leaseMs: Number(leaseMs),
  handler: async (job) => {
    process.stdout.write(`started ${job.id}\n`);
    await new Promise(() => {}); // hangs until killed
  },
});
worker.start();
