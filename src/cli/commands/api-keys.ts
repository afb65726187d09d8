import { Command } from 'commander';
import type { Config } from '../../composition/config.js';
import { loadServices, openDatabase } from '../../composition/database-wiring.js';

export function apiKeysCommand(config: () => Config): Command {
  const keys = new Command('api-keys').description('Manage API keys');
  keys.command('create').description('Create an API key acting for the workspace owner; prints it once')
    .requiredOption('--workspace <id>', 'workspace id (see GET /api/v1/me)')
    .requiredOption('--scopes <list>', 'comma-separated: links:read,links:write,analytics:read,domains:write,webhooks:read,webhooks:write,workspace:admin')
    .option('--name <name>', 'a label for the key')
    .option('--rate-limit <n>', 'requests per minute for this key (1..100000; default 600)')
    .action(async (opts: { workspace: string; scopes: string; name?: string; rateLimit?: string }) => {
      const { buildServices } = await loadServices();
      const handle = await openDatabase(config());
      try {
        const scopes = opts.scopes.split(',').map((s) => s.trim()).filter(Boolean);
        const rateLimit = opts.rateLimit === undefined ? null : Number(opts.rateLimit);
        const created = await buildServices(config(), handle).apiKeys.createForWorkspace(opts.workspace, { name: opts.name, scopes, rateLimit });
        process.stdout.write(`${created.key}\n`);
        const limit = created.apiKey.rateLimit === null ? '' : `, ${created.apiKey.rateLimit} requests/min`;
        process.stderr.write(`created ${created.apiKey.id} (${created.apiKey.scopes.join(',')}${limit}); the key is not shown again\n`);
      } finally {
        await handle.close();
      }
    });
  return keys;
}
