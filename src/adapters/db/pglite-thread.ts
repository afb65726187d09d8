/**
 * Worker-thread entry that hosts embedded PGlite (see pglite-worker-client.ts for why).
 * Protocol: one `init` message with the data directory, answered by `ready` or `failed`; then
 * `query` messages, each answered by `result` or `error` with the same id, in order; `close`
 * closes PGlite and ends the thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startPGlite, type PGliteClient } from './pglite-client.js';
import type { ThreadReply, ThreadRequest } from './pglite-thread-protocol.js';

const port = parentPort;
if (!port) throw new Error('pglite-thread.js runs only as a worker thread');

/** The fields of a PostgreSQL error that callers inspect (code, constraint, …). */
const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'table', 'column', 'schema', 'severity', 'position', 'where'] as const;

function describe(error: unknown): Extract<ThreadReply, { kind: 'error' }>['error'] {
  const e = (error ?? {}) as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const name of ERROR_FIELDS) if (typeof e[name] === 'string' || typeof e[name] === 'number') fields[name] = String(e[name]);
  return { message: error instanceof Error ? error.message : String(error), name: error instanceof Error ? error.name : 'Error', fields };
}

const post = (reply: ThreadReply) => port.postMessage(reply);

let client: PGliteClient | null = null;
try {
  client = await startPGlite((workerData as { dataDir: string | null }).dataDir);
  post({ kind: 'ready' });
} catch (error) {
  post({ kind: 'failed', error: describe(error) });
}

// Queries arrive in order and run one at a time: PGlite is a single connection, and the
// dialect on the other side already hands it to one user (transaction) at a time.
let chain: Promise<void> = Promise.resolve();
port.on('message', (request: ThreadRequest) => {
  chain = chain.then(async () => {
    if (request.kind === 'close') {
      await client?.close();
      port.close();
      return;
    }
    try {
      const result = await client!.query(request.sql, request.params);
      post({ kind: 'result', id: request.id, rows: result.rows, affectedRows: result.affectedRows });
    } catch (error) {
      post({ kind: 'error', id: request.id, error: describe(error) });
    }
  });
});
