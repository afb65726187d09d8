import { Command } from 'commander';
import type { Config } from '../../composition/config.js';
import { loadServices, openDatabase } from '../../composition/database-wiring.js';
import { newSecret } from '../../core/ids.js';

export function usersCommand(config: () => Config): Command {
  const users = new Command('users').description('Manage users');
  users.command('create').description('Create a user with a personal workspace')
    .requiredOption('--email <email>', 'e-mail address (the login)')
    .option('--password <password>', 'password (default: generated and printed once)')
    .option('--admin', 'instance administrator', false)
    .action(async (opts: { email: string; password?: string; admin: boolean }) => {
      const { buildServices } = await loadServices();
      const handle = await openDatabase(config());
      try {
        const password = opts.password ?? newSecret().slice(0, 24);
        const user = await buildServices(config(), handle).accounts.createUser({ email: opts.email, password, isAdmin: opts.admin });
        process.stdout.write(`created ${user.email} (${user.id})${opts.admin ? ', admin' : ''}\n`);
        if (!opts.password) process.stdout.write(`password: ${password}\n`);
      } finally {
        await handle.close();
      }
    });
  users.command('set-password').description('Set or reset a user\'s password')
    .requiredOption('--email <email>', 'the user\'s e-mail')
    .option('--password <password>', 'new password (default: generated and printed once)')
    .action(async (opts: { email: string; password?: string }) => {
      const { buildServices } = await loadServices();
      const handle = await openDatabase(config());
      try {
        const password = opts.password ?? newSecret().slice(0, 24);
        await buildServices(config(), handle).accounts.setPassword(opts.email, password);
        process.stdout.write(opts.password ? 'password set\n' : `password: ${password}\n`);
      } finally {
        await handle.close();
      }
    });
  return users;
}
