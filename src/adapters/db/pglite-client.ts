import { Worker } from 'node:worker_threads';

export interface QueryResult { rows: unknown[]; affectedRows?: number }

/** What the Kysely dialect needs of PGlite: one serial query channel. */
export interface PGliteClient {
  query(sql: string, params: readonly unknown[]): Promise<QueryResult>;
  close(): Promise<void>;
}

/** A PostgreSQL error from the worker, with the fields callers inspect (code, constraint). */
export class PGliteError extends Error {
  code?: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

type Reply = { id: number; rows?: unknown[]; affectedRows?: number; error?: { message: string; code?: string; constraint?: string; detail?: string; table?: string } };

/** PGlite in a worker thread (src/adapters/db/pglite-worker.ts); dataDir null keeps it in memory. */
export async function startPGliteWorker(dataDir: string | null): Promise<PGliteClient> {
  // The thread only relays queries: a small young generation keeps idle RSS within budget.
  const worker = new Worker(new URL('./pglite-worker.js', import.meta.url), { workerData: { dataDir }, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
  const pending = new Map<number, { resolve: (r: QueryResult) => void; reject: (e: Error) => void }>();
  let next = 1;
  let failure: Error | null = null;

  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready: boolean; message?: string }) => (m.ready ? resolve() : reject(new Error(`embedded database failed to start: ${m.message}`))));
    worker.once('error', reject);
  });
  worker.on('message', (reply: Reply) => {
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    if (reply.error) waiter.reject(Object.assign(new PGliteError(reply.error.message), reply.error));
    else waiter.resolve({ rows: reply.rows ?? [], ...(reply.affectedRows === undefined ? {} : { affectedRows: reply.affectedRows }) });
  });
  const fail = (error: Error) => {
    failure = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`embedded database thread exited (code ${code})`)));

  const send = (message: object): Promise<QueryResult> => {
    if (failure) return Promise.reject(failure);
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...message });
    });
  };
  let closing: Promise<void> | null = null;
  return {
    query: (sql, params) => send({ sql, params: [...params] }),
    close: () => {
      closing ??= (async () => {
        if (!failure) await send({ close: true }).catch(() => {});
        await worker.terminate();
      })();
      return closing;
    },
  };
}
