import { Command } from 'commander';
import type { Config } from '../../composition/config.js';
import { MIGRATIONS_DIR } from '../../composition/paths.js';
import { openPGlite, openPostgres } from '../../adapters/db/database.js';
import { migrate } from '../../adapters/db/migrator.js';

export function migrateCommand(config: () => Config): Command {
  return new Command('migrate').description('Apply pending migrations and exit').action(async () => {
    const cfg = config();
    const handle = cfg.databaseUrl ? await openPostgres(cfg.databaseUrl, 1) : await openPGlite(cfg.dataDir);
    try {
      const result = await migrate(handle.db, MIGRATIONS_DIR);
      process.stdout.write(result.applied.length === 0
        ? `up to date (${result.alreadyApplied} migrations applied before)\n`
        : `applied ${result.applied.join(', ')}\n`);
    } finally {
      await handle.close();
    }
  });
}
