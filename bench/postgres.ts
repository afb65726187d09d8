import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A throw-away database on the PostgreSQL server of adminUrl. */
export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Every scratch database not yet dropped, so a cleanup on any path drops them all. */
const live = new Set<ScratchDatabase>();

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Server settings that move write-heavy figures (ingest) by a fifth or more on the same machine:
 * WAL volume and how often it forces a checkpoint, whose full-page images follow (session 13).
 */
const WRITE_SETTINGS = ['shared_buffers', 'max_wal_size', 'wal_compression', 'synchronous_commit'] as const;

/** Whether a PostgreSQL answers at adminUrl (with the reason when not), its version and its write settings. */
export async function probePostgres(adminUrl: string): Promise<{ ok: true; version: string; settings: string } | { ok: false; reason: string }> {
  try {
    const { version, settings } = await withClient(adminUrl, async (c) => {
      const v = (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v;
      const shown = (await c.query<Record<string, string>>(`select ${WRITE_SETTINGS.map((name) => `current_setting('${name}') as ${name}`).join(', ')}`)).rows[0]!;
      return { version: v, settings: WRITE_SETTINGS.map((name) => `${name} ${shown[name]}`).join(', ') };
    });
    return { ok: true, version, settings };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  }
}

/** Creates `<prefix>_<12 hex>`; it is registered before it exists, so dropScratchDatabases() covers a create in flight. */
export async function createScratchDatabase(adminUrl: string, prefix = 'curt_bench'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db: ScratchDatabase = {
    url: url.href,
    name,
    drop: async () => {
      await withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      live.delete(db);
    },
  };
  live.add(db);
  try {
    await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  } catch (error) {
    live.delete(db);
    throw error;
  }
  return db;
}

/** Drops every scratch database this process created and has not dropped yet. */
export async function dropScratchDatabases(onError: (name: string, error: unknown) => void): Promise<void> {
  await Promise.all([...live].map((db) => db.drop().catch((error: unknown) => onError(db.name, error))));
}
