// The load generator, run as its own process so it never shares a CPU-bound event loop
// with the server under test:  node dist/bench/load-worker.js '<LoadSpec JSON>'
// Writes a LoadSummary as JSON to spec.resultFile.
import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { linkSet } from './link-set.js';
import type { LoadSpec, LoadSummary } from './load.js';
import { cpuMs, machineBusyMs } from './processes.js';

const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;

// Every connection cycles over all slugs (GET, keep-alive, no pipelining); each starts
// at a different offset so connections do not walk the slugs in step.
const requests: autocannon.Request[] = linkSet(spec.links).map((l) => ({ method: 'GET', path: `/${l.slug}` }));
let clientIndex = 0;
const setupClient = (client: autocannon.Client) => {
  const offset = Math.floor((clientIndex++ * requests.length) / spec.connections) % requests.length;
  client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
};

// CPU is measured from autocannon's 'start' (clients built, load begins) to its result,
// so the generator's set-up does not dilute the percentages.
interface Mark { at: number; server: number; self: number; machine: number }
const mark = (): Mark => {
  const own = process.cpuUsage();
  return { at: performance.now(), server: spec.serverPids.reduce((sum, pid) => sum + cpuMs(pid), 0), self: (own.user + own.system) / 1000, machine: machineBusyMs() };
};
let start: Mark | null = null;
const instance = autocannon({ url: spec.url, connections: spec.connections, duration: spec.durationS, pipelining: 1, timeout: 10, requests: requests.slice(0, 1), setupClient });
instance.on('start', () => { start = mark(); });
const result = await instance;
const end = mark();
if (start === null) throw new Error('autocannon never started');
const begin: Mark = start;

const windowMs = end.at - begin.at;
const serverCpu = end.server - begin.server;
const loaderCpu = end.self - begin.self;
const pct = (ms: number) => (100 * ms) / windowMs;
const responses = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx'];
const summary: LoadSummary = {
  reqPerSec: result.requests.average,
  windowMs,
  responses,
  status3xx: result['3xx'],
  non2xx: result.non2xx,
  statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, s]) => [code, s.count])),
  errors: result.errors,
  timeouts: result.timeouts,
  resets: result.resets,
  latencyMs: { avg: result.latency.average, p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  serverCpuPct: pct(serverCpu),
  serverCpuUsPerReq: responses > 0 ? (serverCpu * 1000) / responses : 0,
  loaderCpuPct: pct(loaderCpu),
  otherCpuPct: Math.max(0, pct(end.machine - begin.machine - serverCpu - loaderCpu)),
};
writeFileSync(spec.resultFile, JSON.stringify(summary));
