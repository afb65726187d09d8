import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/adapters/db/database.js';
import { migrate } from '../../src/adapters/db/migrator.js';
import { MIGRATIONS_DIR } from '../../src/composition/paths.js';

/**
 * The engines every storage-touching test runs on. PGlite always; PostgreSQL when
 * CURT_TEST_DATABASE_URL is set. With CURT_TEST_REQUIRE_POSTGRES=1 (CI) a missing or
 * unreachable PostgreSQL fails the run instead of being skipped.
 */
export interface Engine {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated database of its own. */
  open(): Promise<DatabaseHandle>;
}

const pgUrl = process.env.CURT_TEST_DATABASE_URL;
if (process.env.CURT_TEST_REQUIRE_POSTGRES === '1' && !pgUrl) {
  throw new Error('CURT_TEST_REQUIRE_POSTGRES=1 but CURT_TEST_DATABASE_URL is not set');
}

const pglite: Engine = {
  name: 'pglite',
  async open() {
    const handle = await openPGlite(null);
    await migrate(handle.db, MIGRATIONS_DIR);
    return handle;
  },
};

/** Each test database is created from the server URL and dropped on close. */
const postgres: Engine = {
  name: 'postgres',
  async open() {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const name = `curt_test_${randomBytes(6).toString('hex')}`;
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(pgUrl!);
    url.pathname = `/${name}`;
    const handle = await openPostgres(url.href, 4);
    await migrate(handle.db, MIGRATIONS_DIR);
    return {
      ...handle,
      async close() {
        await handle.close();
        const dropper = new pg.Client({ connectionString: pgUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  },
};

export const engines: Engine[] = pgUrl ? [pglite, postgres] : [pglite];
