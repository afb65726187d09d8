import { copyRequest } from './copy-from.js';

export interface QueryResult { rows: unknown[]; affectedRows?: number }

/**
 * What the Kysely dialect needs of PGlite: one serial query channel. Curt runs it on a worker
 * thread (pglite-worker-client.ts); startPGlite below is what that thread runs.
 */
export interface PGliteClient {
  query(sql: string, params: readonly unknown[]): Promise<QueryResult>;
  close(): Promise<void>;
  /** Queries sent and not yet answered (metrics). */
  inFlight?(): number;
}

const INT8 = 20;
const NUMERIC = 1700;
/** Embedded buffer pool; see startPGlite. */
const SHARED_BUFFERS = '32MB';

/** PGlite in this thread, with the extensions the migrations create; dataDir null keeps it in memory. */
export async function startPGlite(dataDir: string | null): Promise<PGliteClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  // PostgreSQL's default 128 MB of shared buffers all became resident memory of the process
  // (PGlite's buffer pool lives in its WebAssembly memory); data files stay in the OS page cache.
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`];
  const options = { parsers: { [INT8]: Number, [NUMERIC]: Number }, extensions: { pg_trgm }, startParams };
  // new PGlite(undefined, options) ignores options: in memory, options are the only argument.
  const pglite = dataDir === null ? new PGlite(options) : new PGlite(dataDir, options);
  await pglite.waitReady;
  return {
    // Without parameters use the simple protocol, which (like node-postgres) accepts several
    // statements in one text: migrations rely on that.
    query: async (sql, params) => {
      if (params.length === 0) return (await pglite.exec(sql)).at(-1) ?? { rows: [] };
      // copyRows (copy-from.ts): PGlite reads COPY … FROM STDIN data as the blob of '/dev/blob'.
      const data = copyRequest(sql, params);
      if (data !== null) return pglite.query(sql.replace(/stdin$/, "'/dev/blob'"), [], { blob: new Blob([data]) });
      return pglite.query(sql, [...params]);
    },
    close: async () => { if (!pglite.closed) await pglite.close(); },
  };
}
