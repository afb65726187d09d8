// SPEC §7 "click ingest into PostgreSQL: >= 50,000 clicks/s sustained". The production ingest
// (ClickIngest: daily salt, DefaultClickEnricher, SqlClickStore) runs in this process against a
// scratch database, fed with realistic captured clicks generated beforehand. They are held as
// the click stream carries them (JSON entries of STREAM_ENTRY_CLICKS clicks, as a serving process
// XADDs each event-loop turn's clicks) and decoded entry by entry as ingest reads them, as the
// stream consumer hands them over: so decoding, enrichment and storage are timed, and the
// ingest process's heap holds what a worker's would, not a million click objects for its
// collector to mark again and again (session 12: with 1.5 M of them held as objects, V8's GC
// threads took 7-16 µs per click). A last run starts late in a busy hour (bench/dense-hour.ts).
import { sql } from 'kysely';
import { DefaultClickEnricher } from '../src/adapters/clicks/click-enricher.js';
import { CountryAddresses } from '../src/adapters/clicks/synthetic/country-addresses.js';
import { SyntheticClicks, type SyntheticLink } from '../src/adapters/clicks/synthetic/synthetic-clicks.js';
import { syntheticLinkInputs } from '../src/adapters/clicks/synthetic/synthetic-links.js';
import { SqlClickStore } from '../src/adapters/db/click-store.sql.js';
import { clickEntryPieces } from '../src/adapters/redis/click-stream-entries.js';
import { DailyRollups } from '../src/adapters/db/period-rollups.sql.js';
import { openPostgres, type Db } from '../src/adapters/db/database.js';
import { migrate } from '../src/adapters/db/migrator.js';
import { SqlLinkRepository } from '../src/adapters/db/repositories/link-repository.sql.js';
import { SqlUserRepository } from '../src/adapters/db/repositories/user-repository.sql.js';
import { SqlVisitorSalts } from '../src/adapters/db/visitor-salts.sql.js';
import { MIGRATIONS_DIR } from '../src/composition/paths.js';
import type { CapturedClick } from '../src/core/analytics/click.js';
import { ClickIngest } from '../src/core/analytics/click-ingest.js';
import { newId, sha256 } from '../src/core/ids.js';
import type { Utm } from '../src/core/links/link.js';
import { generateSlug } from '../src/core/links/slug.js';
import { SETTINGS } from './config.js';
import { createScratchDatabase } from './postgres.js';
import { denseHourlyLinkRows } from './dense-hour.js';
import { aborted } from './processes.js';
import { inFlightLabel, type BenchResults, type IngestRun } from './results.js';
import { percentile } from './stats.js';
import { MINUTE_MS } from '../src/core/time-units.js';

export async function benchIngest(ctx: { adminUrl: string; log(line: string): void }, result: BenchResults['ingest']): Promise<void> {
  const s = SETTINGS.ingestPhase;
  const scratch = await createScratchDatabase(ctx.adminUrl, 'curt_bench_ingest');
  const handle = await openPostgres(scratch.url, Math.max(...s.loops) + 2);
  try {
    await migrate(handle.db, MIGRATIONS_DIR);
    const links = await createLinks(handle.db, s.links);
    const ingest = new ClickIngest({ enricher: new DefaultClickEnricher(), store: new SqlClickStore(handle.db), salts: new SqlVisitorSalts(handle.db) });
    const addresses = CountryAddresses.build();
    let seed = 1;
    // Live traffic: clicks of the last few minutes, so batches keep adding to the same hour's rollup rows.
    const generate = (clicks: number): StreamBatch[] => {
      const to = Date.now();
      const all = [...new SyntheticClicks({ links, clicks, from: to - 10 * MINUTE_MS, to, seed: seed++ }, addresses).batches(s.batch)].flat();
      return Array.from({ length: Math.ceil(all.length / s.batch) }, (_, i) => streamEntries(all.slice(i * s.batch, (i + 1) * s.batch)));
    };

    ctx.log(`  warm-up: ${s.warmupS} s of ingest (${s.batch.toLocaleString('en-US')}-click batches, ${s.links.toLocaleString('en-US')} links)`);
    result.warmup = await run(ingest, generate(200_000), 1, s.warmupS);
    ctx.log(`  warm-up: ${Math.round(result.warmup.clicksPerSec).toLocaleString('en-US')} clicks/s`);
    const warmupRate = result.warmup.clicksPerSec;
    const measure = async (loops: number, denseHour: boolean) => {
      if (aborted()) throw new Error(aborted()!);
      const label = `${inFlightLabel(loops)}${denseHour ? ', late in a busy hour' : ''}`;
      const planned = Math.min(s.maxPregenerated, Math.ceil(warmupRate * loops * s.durationS * 1.5 / s.batch) * s.batch);
      const batches = generate(planned);
      ctx.log(`  ${label}: ${s.durationS} s, ${planned.toLocaleString('en-US')} clicks generated beforehand (as stream entries)`);
      const measured = { ...(await run(ingest, batches, loops, s.durationS)), ...(denseHour ? { denseHour } : {}) };
      result.runs.push(measured);
      ctx.log(`  ${label}: ${Math.round(measured.clicksPerSec).toLocaleString('en-US')} clicks/s, batch p50 ${measured.batchP50Ms.toFixed(0)} ms, p99 ${measured.batchP99Ms.toFixed(0)} ms`);
    };
    for (const loops of s.loops) await measure(loops, false);
    // Late in a busy hour, as sustained ingest is for most of each hour (bench/dense-hour.ts).
    const rows = await denseHourlyLinkRows(handle.db, links, Date.now());
    ctx.log(`  late in a busy hour: ${rows.toLocaleString('en-US')} per-link hourly rows made dense`);
    await measure(2, true);

    const sent = [result.warmup, ...result.runs].reduce((sum, r) => sum + r.clicks, 0);
    const counts = (await sql<{ raw: number; links: number; rollups: number }>`select (select count(*) from clicks) as raw,
      (select coalesce(sum(clicks), 0) from links) as links,
      (select coalesce(sum(clicks), 0) from click_rollups_hourly where link_id = '' and dimension = '') as rollups`.execute(handle.db)).rows[0]!;
    const check = { sent, rawRows: Number(counts.raw), linkClicks: Number(counts.links), rollupClicks: Number(counts.rollups) };
    result.check = { ...check, ok: check.rawRows === sent && check.linkClicks === sent && check.rollupClicks === sent };
    // Daily rows are built once a day is closed; rolling the bench's day(s) now shows what that costs per click.
    const days = (await sql<{ workspace_id: string; day: number }>`select workspace_id, (extract(epoch from bucket) * 1000)::bigint as day
      from click_day_rollups where stale`.execute(handle.db)).rows;
    const rollStarted = performance.now();
    const daily = new DailyRollups(handle.db);
    for (const d of days) await daily.roll(d.workspace_id, Number(d.day));
    result.dailyRoll = { days: days.length, clicks: sent, ms: performance.now() - rollStarted };
    ctx.log(`  daily roll of ${days.length} day(s): ${result.dailyRoll.ms.toFixed(0)} ms`);
  } finally {
    await handle.close().catch(() => {});
    await scratch.drop().catch((error: unknown) => ctx.log(`could not drop ${scratch.name} yet (${error instanceof Error ? error.message : String(error)}); trying again at cleanup`));
  }
}

/**
 * `loops` loops hand batches from one list to the same ClickIngest until `durationS` has passed
 * (or the list is used up), so that many batches are in its hands at once; throughput is the
 * clicks stored over the wall time until the last commit.
 */
async function run(ingest: ClickIngest, batches: StreamBatch[], loops: number, durationS: number): Promise<IngestRun> {
  const latencies: number[] = [];
  let next = 0;
  let clicks = 0;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  const loop = async () => {
    while (next < batches.length && performance.now() < deadline) {
      const entries = batches[next++]!;
      const since = performance.now();
      const stored = await ingest.ingestPieces(streamPieces(entries));
      latencies.push(performance.now() - since);
      clicks += stored.length;
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  const seconds = (performance.now() - started) / 1000;
  return {
    loops, clicks, seconds, clicksPerSec: clicks / seconds, batches: latencies.length,
    batchP50Ms: percentile(latencies, 50), batchP99Ms: percentile(latencies, 99), batchMaxMs: Math.max(...latencies),
    ranOut: next >= batches.length && seconds < durationS,
  };
}

/** Clicks per stream entry: one serving process's event-loop turn under load. */
const STREAM_ENTRY_CLICKS = 50;

/** A batch as the click stream holds it: one JSON entry per STREAM_ENTRY_CLICKS clicks. */
export type StreamBatch = string[];

export function streamEntries(clicks: readonly CapturedClick[]): StreamBatch {
  const entries: string[] = [];
  for (let i = 0; i < clicks.length; i += STREAM_ENTRY_CLICKS) entries.push(JSON.stringify(clicks.slice(i, i + STREAM_ENTRY_CLICKS)));
  return entries;
}

/** A batch as the stream consumer hands it to ingest (click-stream.redis.ts): entries decoded one at a time as ingest reads them. */
export function streamPieces(entries: StreamBatch): Iterable<CapturedClick[]> {
  return clickEntryPieces(entries, { next: 0 }, Infinity, (error) => { throw error; });
}

/** A user with a workspace and `count` links (as POST /links would store them), inserted directly. */
async function createLinks(db: Db, count: number): Promise<SyntheticLink[]> {
  const userId = newId('usr');
  const workspaceId = newId('ws');
  await new SqlUserRepository(db).create({ id: userId, email: `ingest-bench@${userId}.example`, passwordHash: null, isAdmin: false, personalWorkspace: { id: workspaceId, name: 'Ingest bench' } });
  const now = new Date();
  const links = syntheticLinkInputs(count, 1).map((input) => ({
    id: newId('lnk'), workspaceId, domain: '', slug: generateSlug(), url: String(input.url), urlHash: sha256(String(input.url)),
    title: null, description: null, tags: [], redirectType: 302 as const, forwardQuery: true, expiresAt: null, expiredUrl: null, maxClicks: null,
    passwordHash: null, rules: [], variants: [], utm: (input.utm ?? {}) as Utm, archived: false, clicks: 0, createdBy: userId, createdAt: now, updatedAt: now,
  }));
  const repository = new SqlLinkRepository(db);
  for (let i = 0; i < links.length; i += 1000) await repository.insertMany(links.slice(i, i + 1000));
  return links;
}
