import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A throw-away database on the PostgreSQL server of adminUrl. */
export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether a PostgreSQL answers at adminUrl (with the reason when not). */
export async function probePostgres(adminUrl: string): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    const version = await withClient(adminUrl, async (c) => (await c.query<{ v: string }>("select current_setting('server_version') as v")).rows[0]!.v);
    return { ok: true, version };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message || error.name : String(error) };
  }
}

export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `curt_bench_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    drop: () => withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => {}),
  };
}
