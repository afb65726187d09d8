import { Kysely, PostgresDialect } from 'kysely';
import type { Database } from './schema.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { PGliteThreadData } from './pglite-thread-protocol.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  engine: 'pglite' | 'postgres';
  close(): Promise<void>;
  /** Metrics: node-postgres pool use (PostgreSQL), or queries in flight to the PGlite thread. */
  stats?(): DatabaseStats;
  /** Embedded with a thread task (PGliteThreadData.task): runs it while holding the connection. */
  runTask?(input: unknown): Promise<unknown>;
}

export type DatabaseStats =
  | { engine: 'postgres'; total: number; idle: number; waiting: number; max: number }
  | { engine: 'pglite'; inFlight: number };

const INT8 = 20;
const NUMERIC = 1700;

/** PostgreSQL server via node-postgres. int8 comes back as a number on both engines. */
export async function openPostgres(url: string, poolSize = 10): Promise<DatabaseHandle> {
  const pg = await import('pg');
  const types = pg.default.types;
  const pool = new pg.default.Pool({ connectionString: url, max: poolSize, types: {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8 || oid === NUMERIC ? Number : types.getTypeParser(oid, format as 'text')) as typeof types.getTypeParser,
  } });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const { enableCopyFrom } = await import('./pg-copy.js');
  enableCopyFrom(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db, engine: 'postgres', close: () => db.destroy(),
    stats: () => ({ engine: 'postgres', total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: poolSize }),
  };
}

/** Embedded PGlite on its own worker thread; dataDir null keeps everything in memory (tests). Loaded only when used. */
export async function openPGlite(dataDir: string | null, thread: Omit<PGliteThreadData, 'dataDir'> = {}): Promise<DatabaseHandle> {
  const { startPGliteWorker } = await import('./pglite-worker-client.js');
  const client = await startPGliteWorker({ dataDir, ...thread });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  return {
    db, engine: 'pglite', close: () => db.destroy(), stats: () => ({ engine: 'pglite', inFlight: client.inFlight?.() ?? 0 }),
    // Holding the connection keeps every transaction of this side out of the task's way.
    ...(thread.task ? { runTask: (input: unknown) => db.connection().execute(() => client.task(input)) } : {}),
  };
}
