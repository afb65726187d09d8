import { Command, Option } from 'commander';
import type { Config } from '../../composition/config.js';
import { clickSpoolDir, loadServices, openDatabase } from '../../composition/database-wiring.js';
import type { Curt, Role } from '../../composition/root.js';
import { port } from '../main.js';

export function serveCommand(config: () => Config): Command {
  return new Command('serve')
    .description('Serve Curt (applies pending migrations first)')
    .addOption(new Option('--role <role>', 'which parts to run').choices(['all', 'api', 'redirect', 'worker']).default('all'))
    .option('--port <n>', 'listen port (default: PORT or 8080)', port)
    .action(async (opts: { role: Role; port?: number }) => {
      const cfg = config();
      // The database starts (embedded: PGlite boots on its thread) while the HTTP stack loads.
      const opening = openDatabase(cfg, { clickSpool: clickSpoolDir(cfg) });
      opening.catch(() => {}); // awaited, and reported, by createCurt
      const { createCurt } = await loadServices();
      const curt = await createCurt(cfg, { role: opts.role, opening });
      if (curt.bootstrapped) printBootstrap(cfg, curt.bootstrapped);
      const shutdown = (signal: string) => {
        curt.app.log.info({ signal }, 'shutting down');
        const force = setTimeout(() => { curt.app.log.error('shutdown timed out'); process.exit(1); }, 15_000);
        force.unref();
        curt.close().then(() => process.exit(0), (error: unknown) => { curt.app.log.error({ err: error }, 'shutdown failed'); process.exit(1); });
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
      await curt.app.listen({ port: opts.port ?? cfg.port, host: cfg.host });
    });
}

function printBootstrap(cfg: Config, b: NonNullable<Curt['bootstrapped']>): void {
  const lines = ['', '  Curt is set up. This is shown once.', `  Admin:    ${b.adminEmail}`];
  if (b.password) lines.push(`  Password: ${b.password}`);
  else lines.push(`  Password: none yet; set one with: npx curt users set-password --email ${b.adminEmail}`);
  if (b.apiKey) lines.push(`  API key:  ${b.apiKey}   (all scopes, workspace ${b.workspaceId})`);
  else lines.push(`  API key:  CURT_INITIAL_API_KEY registered (all scopes, workspace ${b.workspaceId})`);
  lines.push(`  Try:      curl -H "Authorization: Bearer <key>" ${cfg.baseUrl.origin}/api/v1/me`, '');
  process.stdout.write(lines.join('\n') + '\n');
}
