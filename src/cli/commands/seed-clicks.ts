import { randomInt } from 'node:crypto';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Config } from '../../composition/config.js';
import { loadServices, openDatabase } from '../../composition/database-wiring.js';
import { INGEST_BATCH } from '../../core/analytics/click-ingest.js';
import type { Actor } from '../../core/auth/actor.js';
import { DAY_MS } from '../../core/time-units.js';

/** Clicks per ingest batch on the ingest path (the click buffer's default), and per bulk-load write. */
const BULK_BATCH = 20_000;
const LINKS_PER_CALL = 1000;

interface Options { workspace: string; clicks: number; days: number; links?: number; visitors?: number; seed?: string; via: 'bulk' | 'ingest'; json: boolean }

function positive(value: string): number {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function seedClicksCommand(config: () => Config): Command {
  return new Command('seed-clicks')
    .description('Store realistic synthetic clicks in a workspace, for demos and benchmarks')
    .requiredOption('--workspace <id>', 'the workspace (see GET /api/v1/me)')
    .option('--clicks <n>', 'how many clicks', positive, 1_000_000)
    .option('--days <n>', 'spread over the last N days, ending now', positive, 30)
    .option('--links <n>', 'create N links in the workspace first (default: click its existing links)', positive)
    .option('--visitors <n>', 'size of the pool of returning visitors (default: clicks / 3)', positive)
    .option('--seed <value>', 'random seed: the same seed and options give the same traffic (default: random)')
    .addOption(new Option('--via <path>', 'bulk: one bulk load, needs empty click tables (else falls back to ingest); ingest: the production ingest path, batch by batch')
      .choices(['bulk', 'ingest']).default('bulk'))
    .option('--json', 'print the report as JSON', false)
    .action(async (opts: Options) => {
      // Loaded here, not at start-up: `curt serve` never needs the generator or the loader.
      const { SyntheticClicks } = await import('../../adapters/clicks/synthetic/synthetic-clicks.js');
      const { syntheticLinkInputs } = await import('../../adapters/clicks/synthetic/synthetic-links.js');
      const { seedFrom } = await import('../../adapters/clicks/synthetic/random.js');
      const { SeedTargets } = await import('../../adapters/db/seed-links.sql.js');
      const { buildClickSeeder } = await import('../../composition/click-seeding.js');
      const { buildServices, NO_LISTENERS } = await loadServices();
      const handle = await openDatabase(config());
      try {
        const seed = opts.seed === undefined ? randomInt(2 ** 31) : seedFrom(opts.seed);
        const targets = new SeedTargets(handle.db);
        const owner = await targets.owner(opts.workspace);
        if (owner === null) throw new Error(`no workspace ${opts.workspace}`);
        if (opts.links !== undefined) {
          const actor: Actor = { kind: 'session', userId: owner, apiKeyId: null, workspaceId: opts.workspace, scopes: new Set(['links:write']) };
          const inputs = syntheticLinkInputs(opts.links, seed);
          // The links created, to announce to running instances once they are all stored.
          const created: { domain: string; slug: string }[] = [];
          const links = buildServices(config(), handle, { ...NO_LISTENERS, invalidate: (domain, slug) => { created.push({ domain, slug }); } }).links;
          for (let i = 0; i < inputs.length; i += LINKS_PER_CALL) {
            const failed = (await links.createMany(actor, inputs.slice(i, i + LINKS_PER_CALL))).find((r) => 'error' in r);
            if (failed && 'error' in failed) throw failed.error;
          }
          progress(`created ${opts.links.toLocaleString('en-US')} links`);
          const { announceLinkChanges } = await import('../../composition/link-announcements.js');
          if (!(await announceLinkChanges({ url: config().redisUrl, prefix: config().redisPrefix }, created))) {
            progress('could not tell running instances of the new links through Redis: they may answer 404 for them for up to a minute');
          }
        }
        const links = await targets.links(opts.workspace);
        if (links.length === 0) throw new Error(`workspace ${opts.workspace} has no links to click; pass --links N to create some`);

        const to = Date.now();
        const from = to - opts.days * DAY_MS;
        const source = new SyntheticClicks({ links, clicks: opts.clicks, from, to, seed, visitors: opts.visitors });
        let next = 0.1;
        const report = await buildClickSeeder(handle).seed({
          batches: source.batches(opts.via === 'bulk' ? BULK_BATCH : INGEST_BATCH), from, to, via: opts.via,
          onProgress: (stored) => {
            if (stored < next * opts.clicks) return;
            progress(`${Math.floor((100 * stored) / opts.clicks)}%: ${stored.toLocaleString('en-US')} clicks`);
            next = Math.floor((10 * stored) / opts.clicks) / 10 + 0.1;
          },
        });
        if (report.fellBack) progress('the click tables already held clicks, so the bulk load could not be used: seeded through ingest');
        const summary = { workspace: opts.workspace, links: links.length, days: opts.days, seed, from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...report };
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n` : `${describe(summary)}\n`);
      } finally {
        await handle.close();
      }
    });
}

function progress(line: string): void {
  process.stderr.write(`seed-clicks: ${line}\n`);
}

function describe(s: { clicks: number; links: number; days: number; seed: number; via: string; ms: number; bulk?: { loadMs: number; indexMs: number; weeklyMs: number; vacuumMs: number; hourlyRows: number; dailyRows: number } }): string {
  const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rate = Math.round(s.clicks / (s.ms / 1000)).toLocaleString('en-US');
  const bulk = s.bulk
    ? `; rows ${sec(s.bulk.loadMs)}, indexes ${sec(s.bulk.indexMs)}, weekly rows ${sec(s.bulk.weeklyMs)}, vacuum ${sec(s.bulk.vacuumMs)}; ${s.bulk.hourlyRows.toLocaleString('en-US')} hourly and ${s.bulk.dailyRows.toLocaleString('en-US')} daily rollup rows`
    : '';
  return `seeded ${s.clicks.toLocaleString('en-US')} clicks on ${s.links.toLocaleString('en-US')} links over ${s.days} day${s.days === 1 ? '' : 's'} (seed ${s.seed}) via ${s.via} in ${sec(s.ms)} (${rate}/s${bulk})`;
}
