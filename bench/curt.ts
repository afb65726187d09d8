import { randomInt } from 'node:crypto';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CURT_BIN, REPO_ROOT, SETTINGS } from './config.js';
import { eachLimited, httpRequest, waitForStatus } from './http-client.js';
import type { BenchLink } from './link-set.js';
import { startChild, type Child } from './processes.js';

/** Variables Curt's configuration reads (and their _FILE forms). */
const CONFIG_VARIABLE = /^(CURT_|DATABASE_URL|REDIS_URL|SMTP_URL|PORT$|PORT_FILE$|HOST$|HOST_FILE$|LOG_LEVEL)/;
const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** curt_ + 40 characters of [A-Za-z0-9]: a key the benchmark knows in advance. */
export function newApiKey(): string {
  let key = 'curt_';
  for (let i = 0; i < 40; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

export interface CurtInstance {
  child: Child;
  origin: string;
  /** Milliseconds from spawn until GET /readyz answered 200. */
  readyMs: number;
}

/** The environment of a Curt child process: Curt's own settings come only from here, never from the caller's environment. */
export function curtEnvironment(opts: { dataDir: string; apiKey?: string; databaseUrl?: string; origin?: string; extra?: Record<string, string> }): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !CONFIG_VARIABLE.test(name));
  const env: NodeJS.ProcessEnv = { ...Object.fromEntries(inherited), CURT_DATA_DIR: opts.dataDir, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  if (opts.apiKey) env.CURT_INITIAL_API_KEY = opts.apiKey;
  if (opts.origin) env.CURT_BASE_URL = opts.origin;
  if (opts.databaseUrl) env.DATABASE_URL = opts.databaseUrl;
  return { ...env, ...opts.extra };
}

/** Starts the real CLI, `node bin/curt.js serve --port N`, and waits for /readyz. */
export async function startCurt(opts: {
  name: string; port: number; dataDir: string; apiKey: string; databaseUrl?: string; logDir: string; extraNodeArgs?: string[];
  /** `serve --role`; default all. */
  role?: 'all' | 'api' | 'redirect' | 'worker';
  /** Public origin (CURT_BASE_URL) when it is not this process's own (several processes, one service). */
  origin?: string;
  env?: Record<string, string>;
}): Promise<CurtInstance> {
  const origin = `http://127.0.0.1:${opts.port}`;
  const env = curtEnvironment({ dataDir: opts.dataDir, apiKey: opts.apiKey, databaseUrl: opts.databaseUrl, origin: opts.origin ?? origin, extra: opts.env });
  const since = performance.now();
  const child = startChild(opts.name, [...(opts.extraNodeArgs ?? []), CURT_BIN, 'serve', '--port', String(opts.port), ...(opts.role ? ['--role', opts.role] : [])], { env, cwd: REPO_ROOT, logFile: join(opts.logDir, `${opts.name}.log`) });
  const readyMs = await waitForStatus(`${origin}/readyz`, 200, since, { pollMs: SETTINGS.readyPollMs, timeoutMs: SETTINGS.readyTimeoutMs, child });
  return { child, origin, readyMs };
}

/** The API key's workspace and user, from GET /api/v1/me. */
export async function whoAmI(origin: string, apiKey: string): Promise<{ workspaceId: string; userId: string }> {
  const res = await httpRequest(`${origin}/api/v1/me`, { headers: { Authorization: `Bearer ${apiKey}` } });
  if (res.status !== 200) throw new Error(`GET /api/v1/me answered ${res.status}: ${res.body.slice(0, 300)}`);
  const me = JSON.parse(res.body) as { user: { id: string }; auth: { workspaceId: string } };
  return { workspaceId: me.auth.workspaceId, userId: me.user.id };
}

/** Creates the links through POST /api/v1/links/bulk (at most 1000 per call). */
export async function createLinks(origin: string, apiKey: string, links: readonly BenchLink[]): Promise<void> {
  for (let i = 0; i < links.length; i += 1000) {
    const batch = links.slice(i, i + 1000);
    const res = await httpRequest(`${origin}/api/v1/links/bulk`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ links: batch.map((l) => ({ url: l.url, slug: l.slug })) }),
      timeoutMs: 60_000,
    });
    if (res.status !== 200) throw new Error(`bulk create answered ${res.status}: ${res.body.slice(0, 300)}`);
    const data = (JSON.parse(res.body) as { data: { link?: unknown; error?: { detail?: string } }[] }).data;
    const failed = data.filter((d) => !d.link);
    if (data.length !== batch.length || failed.length > 0) {
      throw new Error(`bulk create: ${failed.length} of ${batch.length} failed, e.g. ${JSON.stringify(failed[0]?.error)}`);
    }
  }
}

/**
 * GETs every slug once (which also loads it into the server's cache) and checks the
 * answer is a 302 to the right place. Returns the number of redirects served.
 */
export async function warmAndVerify(origin: string, links: readonly BenchLink[]): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  let wrong = 0;
  let example = '';
  try {
    await eachLimited(links, 8, async (link) => {
      const res = await httpRequest(`${origin}/${link.slug}`, { agent });
      if (res.status !== 302 || res.headers.location !== link.url) {
        wrong++;
        example ||= `/${link.slug} -> ${res.status} ${String(res.headers.location)}`;
      }
    });
  } finally {
    agent.destroy();
  }
  if (wrong > 0) throw new Error(`${origin}: ${wrong} of ${links.length} slugs did not redirect correctly, e.g. ${example}`);
  return links.length;
}

/** The sum of links.clicks over all links, read through the API (keyset pages of 100). */
export async function totalClicks(origin: string, apiKey: string): Promise<number> {
  let total = 0;
  let cursor: string | null = null;
  do {
    const query: string = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await httpRequest(`${origin}/api/v1/links?${query}`, { headers: { Authorization: `Bearer ${apiKey}` } });
    // Polling a long backlog can spend the key's request quota (429); and right after a pause
    // (pausedDuring: SIGSTOP through a baseline run) the load shedder sees the stop as one long
    // event-loop delay and sheds for up to a sample window (503). Either way: wait as told, read again.
    if (res.status === 429 || (res.status === 503 && res.body.includes('"code":"overloaded"'))) {
      await sleep(Math.max(1, Number(res.headers['retry-after']) || 1) * 1000);
      continue;
    }
    if (res.status !== 200) throw new Error(`list links answered ${res.status}: ${res.body.slice(0, 300)}`);
    const page = JSON.parse(res.body) as { data: { clicks: number }[]; nextCursor: string | null };
    for (const link of page.data) total += link.clicks;
    cursor = page.nextCursor;
  } while (cursor);
  return total;
}
