import { randomBytes } from 'node:crypto';
import { setPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SETTINGS } from './config.js';
import { createLinks, startCurt, totalClicks, warmAndVerify } from './curt.js';
import { linkSet } from './link-set.js';
import { freePort, stopChild, type Child } from './processes.js';
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
 * server under test, so the worker runs at the lowest CPU priority (nice 19) and catches up
 * after the load. The phase then checks that the clicks stored equal the redirects served.
 */
export async function benchScaleOut(ctx: ScaleOutContext, result: ScaleOutResult): Promise<void> {
  const links = linkSet(SETTINGS.links);
  const children: Child[] = [];
  let baseline: Server | null = null;
  try {
    baseline = await startBaseline(ctx.logDir, links.length);
    const [redirectPort, apiPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const origin = `http://127.0.0.1:${redirectPort}`;
    const env = { REDIS_URL: ctx.redisUrl, CURT_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}:` };
    const common = { dataDir: ctx.dataDir, apiKey: ctx.apiKey, databaseUrl: ctx.databaseUrl, logDir: ctx.logDir, origin, env };
    const api = await startCurt({ ...common, name: 'scaleout-api', port: apiPort, role: 'api' });
    children.push(api.child);
    const redirect = await startCurt({ ...common, name: 'scaleout-redirect', port: redirectPort, role: 'redirect' });
    children.push(redirect.child);
    const worker = await startCurt({ ...common, name: 'scaleout-worker', port: workerPort, role: 'worker' });
    children.push(worker.child);
    setPriority(worker.child.pid, 19);

    await createLinks(api.origin, ctx.apiKey, links);
    await warmAndVerify(baseline.origin, links);
    const curt: Server = { name: 'curt', child: redirect.child, origin };
    let served = await warmAndVerify(origin, links);
    served += await loadAlternately(baseline, curt, links.length, ctx.logDir, result, 'scaleout-');

    // Every served redirect's click was in Redis before its response left; the worker stores them.
    const stopped = performance.now();
    let counted = 0;
    while (performance.now() - stopped < DRAIN_LIMIT_MS) {
      counted = await totalClicks(api.origin, ctx.apiKey);
      if (counted >= served) break;
      await sleep(2000);
    }
    result.drainS = (performance.now() - stopped) / 1000;
    const curtLoads = [...result.warmups, ...result.runs].filter((r) => r.target === 'curt').length;
    const maxInFlightAtStop = curtLoads * SETTINGS.connections;
    result.clicks = { counted, redirectsReceived: served, maxInFlightAtStop, ok: counted >= served && counted <= served + maxInFlightAtStop };
  } finally {
    await Promise.all([baseline?.child, ...children].map((c) => (c ? stopChild(c, SETTINGS.stopTimeoutMs) : null)));
  }
}
