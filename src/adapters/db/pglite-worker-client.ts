import { Worker } from 'node:worker_threads';
import type { PGliteClient, QueryResult } from './pglite-client.js';
import type { PGliteThreadData, ThreadError, ThreadReply, ThreadRequest } from './pglite-thread-protocol.js';

/**
 * Embedded PGlite on a worker thread of its own. Hosting it in the serving thread made every
 * request of that thread slower, process-wide: a bare node:http handler cost 33–39 µs of CPU
 * per request with PGlite (and pg_trgm) loaded beside it against 22–26 µs without, and the
 * same with PGlite on a worker thread (BENCHMARKS.md, session 4). The thread also keeps slow
 * queries and ingest's WebAssembly work off the event loop that serves redirects.
 * A query costs one message each way (structured clone of parameters and rows).
 */
export async function startPGliteWorker(data: PGliteThreadData): Promise<PGliteClient & { task(input: unknown): Promise<unknown> }> {
  const worker = new Worker(new URL('./pglite-thread.js', import.meta.url), { workerData: data });
  const pending = new Map<number, { resolve: (r: QueryResult | unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let failure: Error | null = null;
  let exited: Promise<void> | null = null;
  let closing = false;

  const failAll = (error: Error) => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    const onMessage = (reply: ThreadReply) => {
      if (reply.kind === 'ready') resolve();
      else if (reply.kind === 'failed') reject(asError(reply.error));
      else return;
      worker.off('message', onMessage);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the PGlite thread exited during start (code ${code})`)));
  });

  worker.on('message', (reply: ThreadReply) => {
    if (reply.kind !== 'result' && reply.kind !== 'error' && reply.kind !== 'task-result') return;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    // While closing, the thread stays referenced until it has exited: close() awaits that.
    if (pending.size === 0 && !closing) worker.unref();
    if (reply.kind === 'task-result') waiter.resolve(reply.output);
    else if (reply.kind === 'result') waiter.resolve(reply.affectedRows === undefined ? { rows: reply.rows } : { rows: reply.rows, affectedRows: reply.affectedRows });
    else waiter.reject(asError(reply.error));
  });
  worker.on('error', (error) => failAll(error));
  exited = new Promise((resolve) => worker.once('exit', (code) => {
    failAll(new Error(`the PGlite thread has exited (code ${code})`));
    resolve();
  }));
  // Like PGlite in-thread, an idle database does not keep the process alive; a query in flight does.
  worker.unref();

  const send = <T>(request: (id: number) => ThreadRequest): Promise<T> => {
    if (failure) return Promise.reject(failure);
    if (closing) return Promise.reject(new Error('the embedded database is closed'));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      if (pending.size === 1) worker.ref();
      worker.postMessage(request(id));
    });
  };

  return {
    inFlight: () => pending.size,
    query: (sql, params) => send<QueryResult>((id) => ({ kind: 'query', id, sql, params })),
    /** Runs the thread's task; the caller holds the connection (no transaction of its own is open). */
    task: (input) => send<unknown>((id) => ({ kind: 'task', id, input })),
    async close() {
      if (failure) return;
      closing = true;
      worker.ref();
      const request: ThreadRequest = { kind: 'close' };
      worker.postMessage(request);
      await exited;
    },
  };
}

/** Rebuilds the thread's error with the PostgreSQL fields callers check (code 23505, constraint, …). */
function asError(described: ThreadError): Error {
  const error = new Error(described.message) as Error & Record<string, string>;
  error.name = described.name;
  for (const [name, value] of Object.entries(described.fields)) error[name] = value;
  return error;
}
