/**
 * Worker-thread entry that hosts embedded PGlite (see pglite-worker-client.ts for why).
 * Protocol: one `init` message with the data directory, answered by `ready` or `failed`; then
 * `query` (and `task`) messages, each answered by `result` (`task-result`) or `error` with the
 * same id, in order; `close` closes PGlite and ends the thread.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { startPGlite, type PGliteClient } from './pglite-client.js';
import type { PGliteThreadData, ThreadReply, ThreadRequest } from './pglite-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('pglite-thread.js runs only as a worker thread');
const data = workerData as PGliteThreadData;

/** The fields of a PostgreSQL error that callers inspect (code, constraint, …). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'position', 'where'] as const;

function describe(error: unknown): Extract<ThreadReply, { kind: 'error' }>['error'] {
  const e = (error ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const name of ERROR_FIELDS) if (typeof e[name] === 'string' || typeof e[name] === 'number') fields[name] = String(e[name]);
  return { message: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : 'Error', fields };
}

/**
 * Linux schedules threads, and a thread's nice value is its own: /proc/thread-self names this
 * thread's id. Raising it needs no privilege. Elsewhere the thread keeps the process's priority.
 */
function lowerPriority(nice: number): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), nice);
  } catch { /* not Linux: no per-thread priority */ }
}

const post = (reply: ThreadReply) => port.postMessage(reply);

type Task = (input: unknown) => Promise<unknown>;
let client: PGliteClient | null = null;
let task: Promise<Task> | null = null;
/**
 * The nice value is taken with the first task, not at the thread's start: PGlite's start, the
 * migrations and the first queries then run at the process's priority. From the first instant,
 * a machine busy with other processes left the database ~1.5% of a core, and an embedded server
 * was not ready after 30 s. The task (ingest) is the work the nice value is for; a thread cannot
 * raise its priority again without privilege, so the queries after it share the nice value.
 */
let lowered = data.nice === undefined;
try {
  client = await startPGlite(data.dataDir);
  post({ kind: 'ready' });
  // Loaded once the database is ready, so the process's start does not wait for it.
  if (data.task) {
    const { module, options } = data.task;
    const started = client;
    task = import(module).then(({ createTask }: { createTask: (client: PGliteClient, options: unknown) => Task }) => createTask(started, options));
    task.catch(() => {});
  }
} catch (error) {
  post({ kind: 'failed', error: describe(error) });
}

// Queries arrive in order and run one at a time: PGlite is a single connection, and the
// dialect on the other side already hands it to one user (transaction) at a time; a task
// runs while the other side holds that connection.
let chain: Promise<void> = Promise.resolve();
port.on('message', (request: ThreadRequest) => {
  chain = chain.then(async () => {
    if (request.kind === 'close') {
      await client?.close();
      port.close();
      return;
    }
    try {
      if (request.kind === 'task') {
        if (!task) throw new Error('this PGlite thread has no task');
        if (!lowered) {
          lowerPriority(data.nice!);
          lowered = true;
        }
        post({ kind: 'task-result', id: request.id, output: await (await task)(request.input) });
        return;
      }
      const result = await client!.query(request.sql, request.params);
      post({ kind: 'result', id: request.id, rows: result.rows, affectedRows: result.affectedRows });
    } catch (error) {
      post({ kind: 'error', id: request.id, error: describe(error) });
    }
  });
});
