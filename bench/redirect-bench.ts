import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASELINE_ENTRY, SETTINGS } from './config.js';
import { createLinks, startCurt, totalClicks, warmAndVerify } from './curt.js';
import { waitForStatus } from './http-client.js';
import { linkSet } from './link-set.js';
import { runLoad, type LoadRun } from './load.js';
import { countRawClicks } from './raw-clicks.js';
import { freePort, startChild, stopChild, type Child } from './processes.js';
import type { BenchResults } from './results.js';
import { median } from './stats.js';

export interface RedirectBenchContext {
  logDir: string;
  /** A fresh, empty data directory; initialised (with the links) by this phase. */
  dataDir: string;
  apiKey: string;
  /** Set by the phase: ms until the first start on the empty data dir was ready. */
  onFreshStart(readyMs: number): void;
}

interface Server {
  name: 'baseline' | 'curt';
  child: Child;
  origin: string;
}

/**
 * SPEC §7 redirect budget: the same autocannon settings against a bare node:http
 * baseline and the real Curt CLI, alternated, each in its own process.
 */
export async function benchRedirects(ctx: RedirectBenchContext, result: BenchResults['redirect']): Promise<void> {
  const links = linkSet(SETTINGS.links);
  let baseline: Server | null = null;
  let curt: Server | null = null;
  try {
    const baselinePort = await freePort();
    const baselineChild = startChild('baseline', [BASELINE_ENTRY, String(baselinePort), String(links.length)], { logFile: join(ctx.logDir, 'baseline.log') });
    baseline = { name: 'baseline', child: baselineChild, origin: `http://127.0.0.1:${baselinePort}` };
    await waitForStatus(`${baseline.origin}/b1`, 302, performance.now(), { pollMs: SETTINGS.readyPollMs, timeoutMs: SETTINGS.readyTimeoutMs, child: baselineChild });

    const nodeArgs = (process.env.BENCH_CURT_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const started = await startCurt({ name: 'curt-redirect', port: await freePort(), dataDir: ctx.dataDir, apiKey: ctx.apiKey, logDir: ctx.logDir, extraNodeArgs: nodeArgs });
    ctx.onFreshStart(started.readyMs);
    curt = { name: 'curt', child: started.child, origin: started.origin };

    await createLinks(curt.origin, ctx.apiKey, links);
    await warmAndVerify(baseline.origin, links);
    let curtRedirects = await warmAndVerify(curt.origin, links);

    const load = async (server: Server, durationS: number, runId: string): Promise<LoadRun> => {
      const run = await runLoad(server.name, { url: server.origin, serverPid: server.child.pid, links: links.length, connections: SETTINGS.connections, durationS }, ctx.logDir, runId);
      if (server.name === 'curt') curtRedirects += run.status3xx;
      return run;
    };
    result.warmups.push(await load(baseline, SETTINGS.warmupS, 'warmup-baseline'));
    result.warmups.push(await load(curt, SETTINGS.warmupS, 'warmup-curt'));
    for (let round = 1; round <= SETTINGS.rounds; round++) {
      result.runs.push(await load(baseline, SETTINGS.durationS, `${round}-baseline`));
      result.runs.push(await load(curt, SETTINGS.durationS, `${round}-curt`));
    }

    const of = (name: string, pick: (r: LoadRun) => number) => result.runs.filter((r) => r.target === name).map(pick);
    result.baselineReqPerSec = median(of('baseline', (r) => r.reqPerSec));
    result.curtReqPerSec = median(of('curt', (r) => r.reqPerSec));
    result.ratio = result.curtReqPerSec / result.baselineReqPerSec;
    const baselineRates = of('baseline', (r) => r.reqPerSec);
    result.roundRatios = of('curt', (r) => r.reqPerSec).map((c, i) => c / baselineRates[i]!);
    result.baselineCpuUsPerReq = median(of('baseline', (r) => r.serverCpuUsPerReq));
    result.curtCpuUsPerReq = median(of('curt', (r) => r.serverCpuUsPerReq));
    result.maxOtherCpuPct = Math.max(...result.runs.map((r) => r.otherCpuPct));
    result.allCorrect = [...result.warmups, ...result.runs].every((r) => r.correct);

    // SPEC §7 "every redirect counted": Curt stores captured clicks in batches (every second,
    // or faster when they pile up), so a backlog may still be draining after the load. A load
    // run stops with up to one request per connection in flight: served (and counted) by
    // Curt, but never received by autocannon.
    const counted = await settledClicks(curt.origin, ctx.apiKey, curtRedirects);
    const curtLoads = [...result.warmups, ...result.runs].filter((r) => r.target === 'curt').length;
    const maxInFlightAtStop = curtLoads * SETTINGS.connections;
    result.clicks = { counted, redirectsReceived: curtRedirects, maxInFlightAtStop, ok: counted >= curtRedirects && counted <= curtRedirects + maxInFlightAtStop };
  } finally {
    await Promise.all([baseline, curt].map((s) => (s ? stopChild(s.child, SETTINGS.stopTimeoutMs) : null)));
  }
  // The stored click events themselves, counted once Curt has stopped (a graceful stop stores what it buffered).
  if (result.clicks) {
    const c = result.clicks;
    try {
      const stored = await countRawClicks(ctx.dataDir);
      result.rawClicks = { stored, ok: stored === 0 ? null : stored >= c.redirectsReceived && stored <= c.redirectsReceived + c.maxInFlightAtStop };
    } catch (error) {
      result.rawClicks = { stored: 0, ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
}

/** links.clicks summed through the API, read until it reaches `expected` or stops growing (at most ~60 s). */
async function settledClicks(origin: string, apiKey: string, expected: number): Promise<number> {
  let last = -1;
  for (let i = 0; i < 30; i++) {
    await sleep(i === 0 ? 2500 : 2000);
    const counted = await totalClicks(origin, apiKey);
    if (counted >= expected || counted === last) return counted;
    last = counted;
  }
  return last;
}
