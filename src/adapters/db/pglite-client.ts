export interface QueryResult { rows: unknown[]; affectedRows?: number }

/**
 * What the Kysely dialect needs of PGlite: one serial query channel. The seam lets the engine
 * move off the main thread later; a worker-thread host was tried and cost ~15% CPU under
 * redirect load on 2 cores (BENCHMARKS.md), so PGlite runs in-thread for now.
 */
export interface PGliteClient {
  query(sql: string, params: readonly unknown[]): Promise<QueryResult>;
  close(): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;

/** PGlite in this thread, with the extensions the migrations create; dataDir null keeps it in memory. */
export async function startPGlite(dataDir: string | null): Promise<PGliteClient> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const options = { parsers: { [INT8]: Number, [NUMERIC]: Number }, extensions: { pg_trgm } };
  // new PGlite(undefined, options) ignores options: in memory, options are the only argument.
  const pglite = dataDir === null ? new PGlite(options) : new PGlite(dataDir, options);
  await pglite.waitReady;
  return {
    // Without parameters use the simple protocol, which (like node-postgres) accepts several
    // statements in one text: migrations rely on that.
    query: async (sql, params) => (params.length === 0 ? (await pglite.exec(sql)).at(-1) ?? { rows: [] } : await pglite.query(sql, [...params])),
    close: async () => { if (!pglite.closed) await pglite.close(); },
  };
}
