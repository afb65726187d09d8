/**
 * Hosts embedded PGlite on its own thread, so the database's WebAssembly and file I/O never
 * run on the thread that serves redirects. Protocol: the parent sends {id, sql, params};
 * we answer {id, rows, affectedRows} or {id, error}. Queries run one at a time, in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

const INT8 = 20;
const NUMERIC = 1700;
const port = parentPort!;
const { dataDir } = workerData as { dataDir: string | null };
const parsers = { [INT8]: Number, [NUMERIC]: Number };
// The extensions the migrations create must be loaded into the embedded engine.
const options = { parsers, extensions: { pg_trgm } };

interface Request { id: number; sql?: string; params?: unknown[]; close?: true }

try {
  const pglite = dataDir === null ? new PGlite(options) : new PGlite(dataDir, options);
  await pglite.waitReady;
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      if (request.close) {
        await pglite.close();
        port.postMessage({ id: request.id, rows: [] });
        port.close();
        return;
      }
      try {
        // Without parameters use the simple protocol, which (like node-postgres) accepts several
        // statements in one text: migrations rely on that.
        const params = request.params ?? [];
        const result = params.length === 0 ? (await pglite.exec(request.sql!)).at(-1) : await pglite.query(request.sql!, params);
        port.postMessage({ id: request.id, rows: result?.rows ?? [], affectedRows: result?.affectedRows });
      } catch (error) {
        const e = error as { message?: string; code?: string; constraint?: string; detail?: string; table?: string };
        port.postMessage({ id: request.id, error: { message: e.message ?? String(error), code: e.code, constraint: e.constraint, detail: e.detail, table: e.table } });
      }
    });
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, message: (error as Error).message ?? String(error) });
}
