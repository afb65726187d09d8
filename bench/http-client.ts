import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Child } from './processes.js';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over node:http (no fetch: its lazy load would skew the cold-start timing). */
export function httpRequest(url: string, init: { method?: string; headers?: Record<string, string>; body?: string; agent?: Agent | false; timeoutMs?: number } = {}): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, agent: init.agent ?? false, timeout: init.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * Polls url every pollMs until it answers `status`; returns the milliseconds since
 * `since` (a performance.now() value). Fails early if the child exits.
 */
export async function waitForStatus(url: string, status: number, since: number, opts: { pollMs: number; timeoutMs: number; child: Child }): Promise<number> {
  for (;;) {
    try {
      const res = await httpRequest(url, { timeoutMs: 1000 });
      if (res.status === status) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (opts.child.hasExited()) throw new Error(`${opts.child.name} exited (${await opts.child.exited}) before ${url} answered ${status}`);
    if (performance.now() - since > opts.timeoutMs) throw new Error(`${url} did not answer ${status} within ${opts.timeoutMs} ms`);
    await sleep(opts.pollMs);
  }
}

/** Runs fn over items with at most `limit` in flight. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
