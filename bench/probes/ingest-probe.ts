// Diagnostic probe behind BENCHMARKS.md's per-click breakdowns of ingest (sessions 10-12); not a
// budget check. Runs the production ClickIngest on a scratch PostgreSQL database over generated
// clicks held as objects, one run per entry of SEQ (batches in flight), and prints per run:
// clicks/s, the process's CPU per click (user, system), each thread's CPU per click (main
// thread first, then V8's background threads), and every postgres process's CPU per click.
// With SPANS=1 it also prints how busy the writer was and the mean write and prepare times.
//
//   npm run build && SEQ=1,2 S=20 node dist/bench/probes/ingest-probe.js
//
// Env: SEQ (default "2"), S seconds per run (default 20), LINKS links clicked (default 10,000), DENSE=1 every
// link's hourly total rows dense before the runs (late in a busy hour), PROFILE a file for a CPU profile of the
// main thread during the last run (.cpuprofile, for Chrome's DevTools), PRESQL statements run after the
// migrations (e.g. "alter table … set (…)" to try a storage setting), KEEP=1 the database left in
// place (for pg_waldump over the run's WAL), BENCH_PG_URL.
import { readFileSync, readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { DefaultClickEnricher } from '../../src/adapters/clicks/click-enricher.js';
import { CountryAddresses } from '../../src/adapters/clicks/synthetic/country-addresses.js';
import { SyntheticClicks } from '../../src/adapters/clicks/synthetic/synthetic-clicks.js';
import { syntheticLinkInputs } from '../../src/adapters/clicks/synthetic/synthetic-links.js';
import { SqlClickStore } from '../../src/adapters/db/click-store.sql.js';
import type { PreparedClicks } from '../../src/core/analytics/ports.js';
import { openPostgres } from '../../src/adapters/db/database.js';
import { migrate } from '../../src/adapters/db/migrator.js';
import { SqlLinkRepository } from '../../src/adapters/db/repositories/link-repository.sql.js';
import { SqlUserRepository } from '../../src/adapters/db/repositories/user-repository.sql.js';
import { SqlVisitorSalts } from '../../src/adapters/db/visitor-salts.sql.js';
import { MIGRATIONS_DIR } from '../../src/composition/paths.js';
import { ClickIngest, INGEST_BATCH } from '../../src/core/analytics/click-ingest.js';
import { newId, sha256 } from '../../src/core/ids.js';
import type { Utm } from '../../src/core/links/link.js';
import { generateSlug } from '../../src/core/links/slug.js';
import { createScratchDatabase } from '../postgres.js';
import { denseHourlyLinkRows } from '../dense-hour.js';
import { streamEntries, streamPieces, type StreamBatch } from '../ingest-bench.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const SECONDS = Number(process.env.S ?? 20);
const SEQ = (process.env.SEQ ?? '2').split(',').map(Number);
const TICKS = 100; // USER_HZ: /proc stat times are in 1/100 s

/** CPU seconds of a /proc stat line (utime + stime). */
const cpuOf = (stat: string): number => { const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / TICKS; };
const nameOf = (stat: string): string => stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
function sample(dir: string, keep: (stat: string) => boolean): Map<string, number> {
  const out = new Map<string, number>();
  for (const id of readdirSync(dir).filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`${dir}/${id}/stat`, 'utf8');
      if (keep(stat)) out.set(`${id} ${dir === '/proc' ? readFileSync(`/proc/${id}/cmdline`, 'utf8').replace(/\0/g, ' ').trim().slice(0, 40) : nameOf(stat)}`, cpuOf(stat));
    } catch { /* gone meanwhile */ }
  }
  return out;
}
const threads = () => sample('/proc/self/task', () => true);
const postgres = () => sample('/proc', (stat) => nameOf(stat).startsWith('postgres'));
const perClick = (before: Map<string, number>, after: Map<string, number>, clicks: number): string => [...after]
  .map(([key, cpu]): [string, number] => [key.split(' ').slice(1).join(' '), (cpu - (before.get(key) ?? 0)) * 1e6 / clicks])
  .filter(([, us]) => us >= 0.05).map(([name, us]) => `${name} ${us.toFixed(1)}`).join(' | ');

const scratch = await createScratchDatabase(process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', 'curt_probe');
const handle = await openPostgres(scratch.url, 4);
try {
  await migrate(handle.db, MIGRATIONS_DIR);
  for (const statement of (process.env.PRESQL ?? '').split(';').filter((s) => s.trim())) await sql.raw(statement).execute(handle.db);
  const userId = newId('usr');
  const workspaceId = newId('ws');
  await new SqlUserRepository(handle.db).create({ id: userId, email: `probe@${userId}.example`, passwordHash: null, isAdmin: false, personalWorkspace: { id: workspaceId, name: 'Probe' } });
  const now = new Date();
  const links = syntheticLinkInputs(Number(process.env.LINKS ?? 10_000), 1).map((input) => ({
    id: newId('lnk'), workspaceId, domain: '', slug: generateSlug(), url: String(input.url), urlHash: sha256(String(input.url)), title: null, description: null,
    tags: [], redirectType: 302 as const, forwardQuery: true, expiresAt: null, expiredUrl: null, maxClicks: null, passwordHash: null, rules: [], variants: [],
    utm: (input.utm ?? {}) as Utm, archived: false, clicks: 0, createdBy: userId, createdAt: now, updatedAt: now,
  }));
  for (let i = 0; i < links.length; i += 1000) await new SqlLinkRepository(handle.db).insertMany(links.slice(i, i + 1000));
  // Late in a busy hour: every link's hourly total rows already dense (bench/dense-hour.ts).
  if (process.env.DENSE) await denseHourlyLinkRows(handle.db, links, now.getTime());

  const store = new SqlClickStore(handle.db);
  const spans: [kind: 'prepare' | 'write', from: number, to: number][] = [];
  if (process.env.SPANS) {
    const [prepare, write] = [store.prepare.bind(store), store.write.bind(store)];
    store.prepare = async (events) => { const t = performance.now(); const r = await prepare(events); spans.push(['prepare', t, performance.now()]); return r; };
    store.write = async (batch: PreparedClicks) => { const t = performance.now(); const r = await write(batch); spans.push(['write', t, performance.now()]); return r; };
  }
  const ingest = new ClickIngest({ enricher: new DefaultClickEnricher(), store, salts: new SqlVisitorSalts(handle.db) });
  const addresses = CountryAddresses.build();
  let seed = 1;
  // As the bench holds them: stream entries, decoded as ingest reads them.
  const generate = (clicks: number): StreamBatch[] => {
    const to = Date.now();
    const all = [...new SyntheticClicks({ links, clicks, from: to - 600_000, to, seed: seed++ }, addresses).batches(INGEST_BATCH)].flat();
    return Array.from({ length: Math.ceil(all.length / INGEST_BATCH) }, (_, i) => streamEntries(all.slice(i * INGEST_BATCH, (i + 1) * INGEST_BATCH)));
  };

  async function run(batches: StreamBatch[], loops: number, seconds: number): Promise<void> {
    let next = 0;
    let stored = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    const [cpu0, threads0, postgres0] = [process.cpuUsage(), threads(), postgres()];
    const profiler = process.env.PROFILE && loops === SEQ.at(-1) ? new Session() : null;
    if (profiler) { profiler.connect(); await profiler.post('Profiler.enable'); await profiler.post('Profiler.start'); }
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    await Promise.all(Array.from({ length: loops }, async () => {
      while (next < batches.length && performance.now() < deadline) {
        const events = await ingest.ingestPieces(streamPieces(batches[next++]!));
        stored += events.length;
      }
    }));
    const wall = (performance.now() - started) / 1000;
    if (profiler) {
      writeFileSync(process.env.PROFILE!, JSON.stringify((await profiler.post('Profiler.stop')).profile));
      profiler.disconnect();
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`${loops} in flight: ${Math.round(stored / wall)} clicks/s; process user ${(cpu.user / stored).toFixed(1)} system ${(cpu.system / stored).toFixed(1)} µs/click; wall ${(wall * 1e6 / stored).toFixed(1)} µs/click`);
    console.log(`  threads (µs/click): ${perClick(threads0, threads(), stored)}`);
    console.log(`  postgres (µs/click): ${perClick(postgres0, postgres(), stored)}`);
    delay.disable();
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(`  event-loop delay (ms): p50 ${ms(delay.percentile(50))} p90 ${ms(delay.percentile(90))} p99 ${ms(delay.percentile(99))} max ${ms(delay.max)}`);
    if (spans.length > 0) {
      const writes = spans.filter((s) => s[0] === 'write');
      const busy = writes.reduce((sum, s) => sum + s[2] - s[1], 0);
      const prepares = spans.filter((s) => s[0] === 'prepare');
      console.log(`  writer busy ${(busy / (wall * 10)).toFixed(0)}%, write mean ${(busy / writes.length).toFixed(0)} ms, prepare mean ${(prepares.reduce((sum, s) => sum + s[2] - s[1], 0) / prepares.length).toFixed(0)} ms`);
      spans.length = 0;
    }
  }

  await run(generate(100_000), 1, 5); // warm-up
  for (const loops of SEQ) await run(generate(Math.min(1_500_000, 60_000 * SECONDS)), loops, SECONDS);
  // Dense sketches (4 KB, past ~1,365 visitors) are rewritten by every batch that touches their row.
  const rows = (await sql<{ rows: number; dense: number }>`select count(*)::int as rows, (count(*) filter (where length(visitors) > 4000))::int as dense
    from click_rollups_hourly where link_id <> ''`.execute(handle.db)).rows[0]!;
  console.log(`per-link hourly rows: ${rows.rows}, with a dense sketch: ${rows.dense}`);
} finally {
  await handle.close();
  // KEEP=1 leaves the database (and so its WAL, which DROP DATABASE's checkpoint would recycle) for pg_waldump.
  if (process.env.KEEP) console.log(`kept database ${scratch.name}`);
  else await scratch.drop();
}
