import { randomBytes } from 'node:crypto';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTINGS } from './config.js';
import { createLinks, startCurt, totalClicks, warmAndVerify, type CurtInstance } from './curt.js';
import { linkSet } from './link-set.js';
import { freePort, pausedDuring, stopChild, type Child } from './processes.js';
import { loadAlternately, startBaseline, type Server } from './redirect-bench.js';
import type { ScaleOutResult } from './results.js';

export interface ScaleOutContext {
  logDir: string;
  dataDir: string;
  apiKey: string;
  databaseUrl: string;
  redisUrl: string;
}

/** Longest wait for the worker to store every served click once the load has stopped. */
const DRAIN_LIMIT_MS = 10 * 60_000;

/**
 * SPEC §7's redirect budget in the shape Curt scales out in (issue 5): a `--role redirect`
 * process on PostgreSQL and Redis, which only resolves links from its cache and hands each
 * event-loop turn's clicks to the Redis stream (responses held until Redis has them), and a
 * `--role worker` process that ingests the stream into PostgreSQL. In production the worker runs
 * on other cores or machines; this machine has two, both taken by the load generator and the
 * server under test, so the worker is stopped during the load runs (SIGSTOP: the stream holds
 * the clicks) and catches up after them. The phase then checks that the clicks stored equal the
 * redirects served, and how long ingest took to catch up.
 */
export async function benchScaleOut(ctx: ScaleOutContext, result: ScaleOutResult): Promise<void> {
  const links = linkSet(SETTINGS.links);
  const children: Child[] = [];
  let baseline: Server | null = null;
  try {
    baseline = await startBaseline(ctx.logDir, links.length);
    const redirectPort = await freePort();
    const origin = `http://127.0.0.1:${redirectPort}`;
    const { api, redirects, worker } = await startScaleOutCurt(ctx, { name: 'scaleout', origin, redirectPorts: [redirectPort] }, children);

    await createLinks(api.origin, ctx.apiKey, links);
    await warmAndVerify(baseline.origin, links);
    const curt: Server = { name: 'curt', child: redirects[0]!.child, origin };
    let served = await warmAndVerify(origin, links);
    served += await pausedDuring(worker.child.pid, () => loadAlternately(baseline!, curt, links.length, ctx.logDir, result, 'scaleout-'));
    await checkEveryClickStored(api.origin, ctx.apiKey, served, result);
  } finally {
    await Promise.all([baseline?.child, ...children].map((c) => (c ? stopChild(c, SETTINGS.stopTimeoutMs) : null)));
  }
}

export interface ScaleOutCurt {
  api: CurtInstance;
  redirects: CurtInstance[];
  worker: CurtInstance;
}

/**
 * The scale-out shape's Curt processes on ctx's PostgreSQL and Redis (a key prefix of this run's
 * own): one `--role api`, a `--role redirect` on each of `redirectPorts`, and a `--role worker`
 * at nice 19. All have CURT_BASE_URL `origin` (the one public address of the redirect service)
 * and `shape.env`.
 * Each child is added to `children` once it is ready, for the caller to stop.
 */
export async function startScaleOutCurt(ctx: ScaleOutContext, shape: { name: string; origin: string; redirectPorts: number[]; env?: Record<string, string> }, children: Child[]): Promise<ScaleOutCurt> {
  const env = { REDIS_URL: ctx.redisUrl, CURT_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:`, ...shape.env };
  const common = { dataDir: ctx.dataDir, apiKey: ctx.apiKey, databaseUrl: ctx.databaseUrl, logDir: ctx.logDir, origin: shape.origin, env };
  const start = async (name: string, port: number, role: 'api' | 'redirect' | 'worker') => {
    const instance = await startCurt({ ...common, name: `${shape.name}-${name}`, port, role, ...(role === 'redirect' ? { extraNodeArgs: SETTINGS.curtNodeArgs } : {}) });
    children.push(instance.child);
    return instance;
  };
  const api = await start('api', await freePort(), 'api');
  const redirects: CurtInstance[] = [];
  for (const [i, port] of shape.redirectPorts.entries()) {
    redirects.push(await start(shape.redirectPorts.length === 1 ? 'redirect' : `redirect-${i + 1}`, port, 'redirect'));
  }
  const worker = await start('worker', await freePort(), 'worker');
  setPriority(worker.child.pid, 19);
  return { api, redirects, worker };
}

/**
 * After the load: every served redirect's click was in Redis before its response left, and the
 * worker stores them. Waits (at most DRAIN_LIMIT_MS) until links.clicks reaches `served`, then
 * records how long that took and whether the count is right: at least `served`, and more by at
 * most one request per connection per Curt load run (in flight when autocannon stopped).
 */
export async function checkEveryClickStored(apiOrigin: string, apiKey: string, served: number, result: ScaleOutResult): Promise<void> {
  const stopped = performance.now();
  let counted = 0;
  while (performance.now() - stopped < DRAIN_LIMIT_MS) {
    counted = await totalClicks(apiOrigin, apiKey);
    if (counted >= served) break;
    await sleep(2000);
  }
  result.drainS = (performance.now() - stopped) / 1000;
  const curtLoads = [...result.warmups, ...result.runs].filter((r) => r.target === 'curt').length;
  const maxInFlightAtStop = curtLoads * SETTINGS.connections;
  result.clicks = { counted, redirectsReceived: served, maxInFlightAtStop, ok: counted >= served && counted <= served + maxInFlightAtStop };
}
