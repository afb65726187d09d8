import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../composition/config.js';
import { DomainError } from '../core/errors.js';
import { MigrationError } from '../adapters/db/migrator.js';
import { apiKeysCommand } from './commands/api-keys.js';
import { migrateCommand } from './commands/migrate.js';
import { seedClicksCommand } from './commands/seed-clicks.js';
import { serveCommand } from './commands/serve.js';
import { usersCommand } from './commands/users.js';

export function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('must be an integer from 0 to 65535');
  return n;
}

/** Entry of the `curt` binary. The only reader of process.env: it hands it to loadConfig. */
export async function main(argv: string[]): Promise<void> {
  const config = () => loadConfig(process.env);
  const program = new Command('curt')
    .description('Curt: self-hosted link management (short links, analytics, API).')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(serveCommand(config));
  program.addCommand(migrateCommand(config));
  program.addCommand(usersCommand(config));
  program.addCommand(apiKeysCommand(config));
  program.addCommand(seedClicksCommand(config));
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = failure(error);
  }
}

function failure(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode; // commander already printed it (or --help/--version: 0)
  const message = error instanceof ConfigError ? `invalid configuration: ${error.message}`
    : error instanceof DomainError ? [error.message, ...error.fieldErrors.map((f) => `${f.pointer} ${f.detail}`)].join('; ')
    : error instanceof MigrationError ? error.message
    : error instanceof Error ? error.message : String(error);
  process.stderr.write(`curt: ${message.split('\n')[0]}\n`);
  return 1;
}
