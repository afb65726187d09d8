import { join } from 'node:path';
import { openPGlite, openPostgres, type DatabaseHandle } from '../adapters/db/database.js';
import { migrate } from '../adapters/db/migrator.js';
import type { Config } from './config.js';
import { MIGRATIONS_DIR } from './paths.js';

/**
 * The embedded database thread's nice value, from its first ingest task on (pglite-thread.ts).
 * Linux gives a nice-19 thread about 1.5% of the CPU a normal one gets when both want it, and
 * all of it otherwise: redirects come first under a burst, and the spool holds the clicks until
 * ingest catches up.
 */
const INGEST_THREAD_NICE = 19;

/**
 * Embedded mode (PGlite, no Redis) spools served clicks in the data directory, ingested on the
 * database thread; elsewhere clicks go to the database or the Redis stream directly.
 */
export function clickSpoolDir(config: Config): string | undefined {
  return !config.databaseUrl && !config.redisUrl ? join(config.dataDir, 'click-spool') : undefined;
}

/**
 * The one place that turns configuration into a database handle, migrated. With `clickSpool`,
 * embedded PGlite's thread also runs click ingest from the spool in that directory
 * (spool-ingest-task.ts), at a lower priority than the serving thread.
 *
 * A module of its own, light to import: `curt serve` starts the database here while the HTTP
 * stack loads (the two took about the same time, one after the other).
 */
export async function openDatabase(config: Config, options: { clickSpool?: string | undefined } = {}): Promise<DatabaseHandle> {
  const handle = config.databaseUrl
    ? await openPostgres(config.databaseUrl)
    : await openPGlite(config.dataDir, options.clickSpool === undefined ? {} : {
      task: { module: new URL('./spool-ingest-task.js', import.meta.url).href, options: { spoolDir: options.clickSpool } },
      nice: INGEST_THREAD_NICE,
    });
  await migrate(handle.db, MIGRATIONS_DIR);
  return handle;
}

/**
 * The services' module and all it imports (repositories, services, the HTTP stack), loaded when
 * a command runs rather than when the CLI starts: `curt serve` starts the database first.
 */
export const loadServices = () => import('./root.js');
