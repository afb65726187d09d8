import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BASELINE_ENTRY, SETTINGS } from './config.js';
import { createLinks, startCurt, totalClicks, warmAndVerify } from './curt.js';
import { waitForStatus } from './http-client.js';
import { linkSet } from './link-set.js';
import { runLoad, type LoadRun } from './load.js';
import { countRawClicks } from './raw-clicks.js';
import { freePort, pausedDuring, startChild, stopChild, type Child } from './processes.js';
import type { RedirectResult } from './results.js';
import { median } from './stats.js';

export interface RedirectBenchContext {
  logDir: string;
  /** A fresh, empty data directory; initialised (with the links) by this phase. */
  dataDir: string;
  apiKey: string;
  /** Set by the phase: ms until the first start on the empty data dir was ready. */
  onFreshStart(readyMs: number): void;
}

export interface Server {
  name: 'baseline' | 'curt';
  child: Child;
  origin: string;
  /** Processes whose CPU time is the server's (a load balancer and its backends); default the child alone. */
  cpuPids?: number[];
}

/**
 * SPEC §7 redirect budget: the same autocannon settings against a bare node:http
 * baseline and the real Curt CLI, alternated, each in its own process.
 */
export async function benchRedirects(ctx: RedirectBenchContext, result: RedirectResult): Promise<void> {
  const links = linkSet(SETTINGS.links);
  let baseline: Server | null = null;
  let curt: Server | null = null;
  try {
    baseline = await startBaseline(ctx.logDir, links.length);

    const started = await startCurt({ name: 'curt-redirect', port: await freePort(), dataDir: ctx.dataDir, apiKey: ctx.apiKey, logDir: ctx.logDir, extraNodeArgs: SETTINGS.curtNodeArgs });
    ctx.onFreshStart(started.readyMs);
    curt = { name: 'curt', child: started.child, origin: started.origin };

    await createLinks(curt.origin, ctx.apiKey, links);
    await warmAndVerify(baseline.origin, links);
    let curtRedirects = await warmAndVerify(curt.origin, links);

    // Embedded ingest runs at a lower priority than serving and catches up after a burst; it
    // must be done before the baseline's next run, or the baseline would pay for Curt's clicks.
    // Curt is paused (SIGSTOP) during the baseline run that closes a round, and a round starts once
    // every click served so far is counted.
    const counted = curtRedirects;
    result.settleS = [];
    const settle = async (servedSoFar: number) => {
      const since = performance.now();
      const reached = await clicksReached(curt!.origin, ctx.apiKey, counted + servedSoFar, SETTLE_TIMEOUT_MS);
      if (reached < counted + servedSoFar) throw new Error(`Curt's click count was ${reached} of ${counted + servedSoFar}, ${SETTLE_TIMEOUT_MS / 1000} s after a load run`);
      result.settleS!.push((performance.now() - since) / 1000);
    };
    const curtPid = curt.child.pid;
    curtRedirects += await loadAlternately(baseline, curt, links.length, ctx.logDir, result, '', {
      beforeRound: settle,
      closingBaseline: (run) => pausedDuring(curtPid, run),
    });

    // SPEC §7 "every redirect counted": Curt stores captured clicks in batches, and embedded
    // ingest yields to serving, so a backlog may still be draining after the load. A load run
    // stops with up to one request per connection in flight: served (and counted) by Curt,
    // but never received by autocannon.
    const total = await clicksReached(curt.origin, ctx.apiKey, curtRedirects, SETTLE_TIMEOUT_MS);
    const curtLoads = [...result.warmups, ...result.runs].filter((r) => r.target === 'curt').length;
    const maxInFlightAtStop = curtLoads * SETTINGS.connections;
    result.clicks = { counted: total, redirectsReceived: curtRedirects, maxInFlightAtStop, ok: total >= curtRedirects && total <= curtRedirects + maxInFlightAtStop };
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

const SETTLE_TIMEOUT_MS = 180_000;

/** links.clicks summed through the API, polled until it reaches `expected` or the time is up. */
async function clicksReached(origin: string, apiKey: string, expected: number, timeoutMs: number): Promise<number> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const counted = await totalClicks(origin, apiKey);
    if (counted >= expected || performance.now() > until) return counted;
    await sleep(1000);
  }
}

/** The bare node:http reference server, started and answering. */
export async function startBaseline(logDir: string, links: number, name = 'baseline'): Promise<Server> {
  const port = await freePort();
  const child = startChild(name, [BASELINE_ENTRY, String(port), String(links)], { logFile: join(logDir, `${name}.log`) });
  const server: Server = { name: 'baseline', child, origin: `http://127.0.0.1:${port}` };
  await waitForStatus(`${server.origin}/b1`, 302, performance.now(), { pollMs: SETTINGS.readyPollMs, timeoutMs: SETTINGS.readyTimeoutMs, child });
  return server;
}

/**
 * The same load against both servers in bracketed rounds (warm-ups first): each round runs the
 * baseline, Curt, then the baseline again, and compares Curt's run with the mean of the two
 * baseline runs around it. This VM's speed drifts by up to a third between one 10 s run and the
 * next (BENCHMARKS.md, sessions 8 and 9); a drift that is steady over a round cancels out of its
 * ratio, and the median of the rounds' ratios is the budget's figure. Fills `result`; returns the
 * redirects Curt served.
 */
export async function loadAlternately(baseline: Server, curt: Server, links: number, logDir: string, result: RedirectResult, prefix = '', hooks: {
  /** Awaited before each round's first baseline run, with the redirects Curt served so far. */
  beforeRound?: (curtRedirects: number) => Promise<void>;
  /** Wraps each round's closing baseline run (e.g. Curt paused meanwhile, so its catching up waits). */
  closingBaseline?: <T>(run: () => Promise<T>) => Promise<T>;
} = {}): Promise<number> {
  let curtRedirects = 0;
  const load = async (server: Server, durationS: number, runId: string): Promise<LoadRun> => {
    const run = await runLoad(server.name, { url: server.origin, serverPids: server.cpuPids ?? [server.child.pid], links, connections: SETTINGS.connections, durationS }, logDir, `${prefix}${runId}`);
    if (server.name === 'curt') curtRedirects += run.status3xx;
    return run;
  };
  result.warmups.push(await load(baseline, SETTINGS.warmupS, 'warmup-baseline'));
  result.warmups.push(await load(curt, SETTINGS.warmupS, 'warmup-curt'));
  result.roundRatios = [];
  for (let round = 1; round <= SETTINGS.rounds; round++) {
    await hooks.beforeRound?.(curtRedirects);
    const opening = await load(baseline, SETTINGS.durationS, `${round}-baseline`);
    const measured = await load(curt, SETTINGS.durationS, `${round}-curt`);
    const closing = await (hooks.closingBaseline ?? ((run) => run()))(() => load(baseline, SETTINGS.durationS, `${round}-baseline-after`));
    result.runs.push(opening, measured, closing);
    result.roundRatios.push(measured.reqPerSec / ((opening.reqPerSec + closing.reqPerSec) / 2));
  }
  const of = (name: string, pick: (r: LoadRun) => number) => result.runs.filter((r) => r.target === name).map(pick);
  result.baselineReqPerSec = median(of('baseline', (r) => r.reqPerSec));
  result.curtReqPerSec = median(of('curt', (r) => r.reqPerSec));
  result.ratioOfMedians = result.curtReqPerSec / result.baselineReqPerSec;
  result.ratio = median(result.roundRatios);
  result.baselineCpuUsPerReq = median(of('baseline', (r) => r.serverCpuUsPerReq));
  result.curtCpuUsPerReq = median(of('curt', (r) => r.serverCpuUsPerReq));
  result.maxOtherCpuPct = Math.max(...result.runs.map((r) => r.otherCpuPct));
  result.allCorrect = [...result.warmups, ...result.runs].every((r) => r.correct);
  return curtRedirects;
}
