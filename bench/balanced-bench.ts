import { join } from 'node:path';
import { findNginx, nginxVersion, NGINX_MISSING, prepareLocalNginx, type LocalNginxSetup, type LocalUpstreams } from '../scripts/local-nginx.js';
import { prometheusSample } from '../scripts/prometheus-text.js';
import { SETTINGS } from './config.js';
import { createLinks, warmAndVerify, type CurtInstance } from './curt.js';
import { httpRequest, waitForStatus } from './http-client.js';
import { linkSet } from './link-set.js';
import { runLoad } from './load.js';
import { childPids, freePort, pausedDuring, startChild, stopChild, type Child } from './processes.js';
import { loadAlternately, startBaseline, type Server } from './redirect-bench.js';
import type { BalancedResult } from './results.js';
import { checkEveryClickStored, startScaleOutCurt, type ScaleOutContext } from './scaleout-bench.js';

/**
 * SPEC §7's redirect budget in compose.yaml's shape (issue 5): nginx, configured by the shipped
 * deploy/nginx.conf (scripts/local-nginx.ts only swaps compose's addresses for local ports), in
 * front of two `--role redirect` processes on PostgreSQL + Redis, with a `--role api` (links are
 * created through nginx) and a `--role worker` that stores the clicks after the load (stopped during it),
 * as in the scaleout phase. The reference is the same nginx configuration in front of two bare
 * node:http baselines, so both sides pay for the same balancer. Server CPU is nginx's master
 * and workers plus both backends. One run straight at one baseline, without nginx, shows what
 * the hop costs.
 */
export async function benchBalanced(ctx: ScaleOutContext, result: BalancedResult): Promise<void> {
  const binary = findNginx();
  if (binary === null) throw new Error(NGINX_MISSING);
  result.nginx = nginxVersion(binary);
  const links = linkSet(SETTINGS.links);
  const children: Child[] = [];
  const setups: LocalNginxSetup[] = [];
  const nginx = async (name: string, upstreams: LocalUpstreams, ready: { path: string; status: number }) => {
    const setup = prepareLocalNginx(binary, upstreams);
    setups.push(setup);
    const child = startChild(name, setup.args, { command: binary, ownProcessGroup: true, logFile: join(ctx.logDir, `${name}.log`) });
    children.push(child);
    await waitForStatus(`${setup.origin}${ready.path}`, ready.status, performance.now(), { pollMs: SETTINGS.readyPollMs, timeoutMs: SETTINGS.readyTimeoutMs, child });
    const workers = childPids(child.pid);
    if (workers.length === 0) throw new Error(`${name}: no nginx worker processes found under pid ${child.pid}`);
    return { child, origin: setup.origin, pids: [child.pid, ...workers] };
  };
  try {
    const baselines = [await startBaseline(ctx.logDir, links.length, 'balanced-baseline-1'), await startBaseline(ctx.logDir, links.length, 'balanced-baseline-2')];
    children.push(...baselines.map((b) => b.child));
    // The baseline has no API: its `api` upstream is a port nothing listens on, and no request goes there.
    const baselineLb = await nginx('balanced-nginx-baseline', { listen: await freePort(), api: await freePort(), redirects: [portOf(baselines[0]!.origin), portOf(baselines[1]!.origin)] }, { path: '/b1', status: 302 });

    const listen = await freePort();
    const redirectPorts = [await freePort(), await freePort()] as const;
    // CURT_TRUST_PROXY=1 as compose.yaml sets it: behind the balancer, the click's address is the one it forwards.
    const curt = await startScaleOutCurt(ctx, { name: 'balanced', origin: `http://127.0.0.1:${listen}`, redirectPorts: [...redirectPorts], env: { CURT_TRUST_PROXY: '1' } }, children);
    const curtLb = await nginx('balanced-nginx-curt', { listen, api: portOf(curt.api.origin), redirects: redirectPorts }, { path: '/healthz', status: 200 });
    result.nginxWorkers = curtLb.pids.length - 1;

    // Through the balancer's /api/ route; 1000 links make a body over 16 KB, which nginx buffers in its temp directory.
    await createLinks(curtLb.origin, ctx.apiKey, links);
    await warmAndVerify(baselineLb.origin, links);
    // Each instance loads every link into its cache directly, then the balancer's answers are checked.
    let served = 0;
    for (const instance of curt.redirects) served += await warmAndVerify(instance.origin, links);
    served += await warmAndVerify(curtLb.origin, links);

    const before = await redirectedByEach(curt.redirects);
    const baselineServer: Server = { name: 'baseline', child: baselineLb.child, origin: baselineLb.origin, cpuPids: [...baselineLb.pids, ...baselines.map((b) => b.child.pid)] };
    const curtServer: Server = { name: 'curt', child: curtLb.child, origin: curtLb.origin, cpuPids: [...curtLb.pids, ...curt.redirects.map((r) => r.child.pid)] };
    // The worker stores the clicks once the load is over (see pausedDuring).
    await pausedDuring(curt.worker.child.pid, async () => {
      served += await loadAlternately(baselineServer, curtServer, links.length, ctx.logDir, result, 'balanced-');
      result.directBaseline = await runLoad('baseline-direct', { url: baselines[0]!.origin, serverPids: [baselines[0]!.child.pid], links: links.length, connections: SETTINGS.connections, durationS: SETTINGS.durationS },
        ctx.logDir, 'balanced-direct-baseline');
    });
    const after = await redirectedByEach(curt.redirects);
    result.instances = curt.redirects.map((r, i) => ({ name: `redirect-${i + 1}`, redirected: after[i]! - before[i]! }));

    await checkEveryClickStored(curt.api.origin, ctx.apiKey, served, result);
  } finally {
    await Promise.all(children.map((c) => stopChild(c, SETTINGS.stopTimeoutMs)));
    for (const setup of setups) setup.remove();
  }
}

const portOf = (origin: string) => Number(new URL(origin).port);

/** Each instance's own count of redirects served, from its /metrics. */
async function redirectedByEach(instances: readonly CurtInstance[]): Promise<number[]> {
  return Promise.all(instances.map(async (instance) => {
    const res = await httpRequest(`${instance.origin}/metrics`);
    const value = res.status === 200 ? prometheusSample(res.body, 'curt_redirects_total', 'outcome="redirected"') : null;
    if (value === null) throw new Error(`${instance.origin}/metrics: no curt_redirects_total{outcome="redirected"} (status ${res.status})`);
    return value;
  }));
}
