import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { measureKind, type LatencyKind, type LatencyKindSpec } from './api-latency.js';
import { BUDGETS, SETTINGS } from './config.js';
import { startCurt, whoAmI, type CurtInstance } from './curt.js';
import { httpRequest } from './http-client.js';
import { sampleLinks, seedLinks, TAG_BANDS, WORDS } from './links-seed.js';
import { createScratchDatabase } from './postgres.js';
import { aborted, freePort, stopChild } from './processes.js';
import type { BenchResults } from './results.js';

export interface LinksBenchContext {
  logDir: string;
  /** An empty directory for CURT_DATA_DIR (the data itself is in PostgreSQL). */
  dataDir: string;
  apiKey: string;
  adminUrl: string;
  log(line: string): void;
}

interface LinkView { slug: string; url: string; title: string | null; tags: string[] }
interface Page { data: LinkView[]; nextCursor: string | null }

/** Each kind of request this phase measures (LatencyKind.name), as the results table names it, in the order they run. */
export const LINK_KIND_TITLES: Readonly<Record<string, string>> = {
  create: 'create, POST /links',
  list: 'list, first page',
  'list-cursor': 'list, next pages (cursor)',
  'search-few': 'search, few matches',
  'search-many': 'search, many matches',
  tag: 'list by tag',
};

/**
 * Terms each found in 25,000 links or more (of 1 M): every url (example), a host (shop, 20%), a title
 * kind (recap, 10%), a host and a word (docs, 22%), and every path word (2.5% each, also in titles).
 * The words are the case the planner may misjudge: a share small enough to be missed by the sampled
 * column statistics of a 1 M-row table, yet tens of thousands of rows to fetch and sort. Each
 * ANALYZE misses a different few, so all of them are asked, for a p99 that does not depend on the sample.
 */
const MANY_TERMS = ['example', 'shop', 'recap', 'docs', ...WORDS];

/**
 * SPEC §7 "link creation with 1 million links stored: p99 < 20 ms; list/search p99 < 50 ms",
 * on PostgreSQL: a scratch database, the real CLI on it (migrations, bootstrap), the links
 * seeded with SQL, then each kind of request sent one at a time through the HTTP API.
 * The database is dropped at the end on every path.
 */
export async function benchLinks(ctx: LinksBenchContext, result: BenchResults['links']): Promise<void> {
  const s = SETTINGS.linksPhase;
  const db = await createScratchDatabase(ctx.adminUrl, 'curt_bench_links');
  result.database = db.name;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let curt: CurtInstance | null = null;
  try {
    if (aborted()) throw new Error(aborted()!);
    curt = await startCurt({ name: 'curt-links', port: await freePort(), dataDir: ctx.dataDir, apiKey: ctx.apiKey, logDir: ctx.logDir, databaseUrl: db.url });
    const me = await whoAmI(curt.origin, ctx.apiKey);

    ctx.log(`seeding ${s.stored.toLocaleString('en-US')} links into ${db.name} with SQL`);
    result.seed = await seedLinks(db.url, { workspaceId: me.workspaceId, userId: me.userId, rows: s.stored, log: ctx.log });
    result.stored = s.stored;
    ctx.log(`  seeded in ${(result.seed.totalMs / 1000).toFixed(1)} s; table ${result.seed.tableMb.toFixed(0)} MB, indexes ${result.seed.indexesMb.toFixed(0)} MB`);
    const samples = await sampleLinks(db.url, me.workspaceId, s.warmups + s.searchesFew, s.stored);

    const api = { origin: curt.origin, apiKey: ctx.apiKey, agent, timeLimitMs: s.kindTimeLimitMs, requestTimeoutMs: s.requestTimeoutMs };
    const measure = async (spec: LatencyKindSpec) => {
      if (aborted()) throw new Error(aborted()!);
      const kind = await measureKind(spec, api);
      result.kinds.push(kind);
      ctx.log(`  ${describe(kind)}`);
    };
    ctx.log(`measuring, one request at a time (${s.warmups} warm-ups per kind, not counted)`);
    await measure(createKind(s.creates, s.warmups));
    await measure(listFirstKind(s.listFirstPages, s.warmups));
    // After the creates, so the pages no longer move.
    await measure(listCursorKind(s.listCursorPages, s.warmups, await collectCursors(api.origin, ctx.apiKey, agent, s.cursorDepth + 1)));
    await measure(searchFewKind(s.searchesFew, s.warmups, samples));
    await measure(searchManyKind(s.searchesMany, s.warmups));
    await measure(tagKind(s.tagFilters, s.warmups, s.stored));
  } finally {
    agent.destroy();
    if (curt) await stopChild(curt.child, SETTINGS.stopTimeoutMs);
    await db.drop().catch((error: unknown) => ctx.log(`could not drop ${db.name} yet (${error instanceof Error ? error.message : String(error)}); trying again at cleanup`));
  }
}

function describe(k: LatencyKind): string {
  const sent = k.timeLimited ? `${k.measured} of ${k.planned} requests, stopped at the time limit` : `${k.measured} requests`;
  return `${k.name}: p50 ${k.p50Ms.toFixed(1)} ms, p99 ${k.p99Ms.toFixed(1)} ms, max ${k.maxMs.toFixed(1)} ms (${sent}, ${k.wrong} wrong)`;
}

/** Cursors 1..n of the default listing: cursor k is the nextCursor of page k and opens page k + 1. */
async function collectCursors(origin: string, apiKey: string, agent: Agent, n: number): Promise<string[]> {
  const cursors: string[] = [];
  while (cursors.length < n) {
    const after = cursors.at(-1);
    const res = await httpRequest(`${origin}/api/v1/links?limit=50${after ? `&cursor=${encodeURIComponent(after)}` : ''}`, { headers: { Authorization: `Bearer ${apiKey}` }, agent });
    if (res.status !== 200) throw new Error(`GET /api/v1/links answered ${res.status}: ${res.body.slice(0, 300)}`);
    const next = (JSON.parse(res.body) as Page).nextCursor;
    if (!next) throw new Error(`page ${cursors.length + 1} of the links has no nextCursor`);
    cursors.push(next);
  }
  return cursors;
}

const asPage = (body: unknown) => body as Page;
const haystack = (l: LinkView) => `${l.slug} ${l.url} ${l.title ?? ''}`.toLowerCase();

/** A page of `size` links, each of which passes `each` (null when right). */
function checkPage(body: unknown, opts: { size?: number; minSize?: number; each?: (l: LinkView) => boolean }): string | null {
  const page = asPage(body);
  if (!Array.isArray(page.data)) return 'no data array';
  if (opts.size !== undefined && page.data.length !== opts.size) return `${page.data.length} links, expected ${opts.size}`;
  if (opts.minSize !== undefined && page.data.length < opts.minSize) return `${page.data.length} links, expected at least ${opts.minSize}`;
  const bad = opts.each ? page.data.find((l) => !opts.each!(l)) : undefined;
  return bad ? `link ${bad.slug} (${bad.url}) does not belong in this answer` : null;
}

function createKind(count: number, warmups: number): LatencyKindSpec {
  const run = randomBytes(3).toString('hex');
  return {
    name: 'create', label: 'POST /api/v1/links, a fresh url each', count, warmups, budgetP99Ms: BUDGETS.linkCreateP99Ms,
    call: (i) => {
      const url = `https://example.com/new/${run}/${i}?ref=bench`;
      return {
        method: 'POST', path: '/api/v1/links', status: 201,
        body: i % 4 === 0 ? { url, title: `New page ${i}`, tags: ['newsletter'] } : { url },
        check: (body) => ((body as LinkView).url === url ? null : `url ${(body as LinkView).url}, expected ${url}`),
      };
    },
  };
}

function listFirstKind(count: number, warmups: number): LatencyKindSpec {
  return {
    name: 'list', label: 'GET /api/v1/links?limit=50, first page', count, warmups, budgetP99Ms: BUDGETS.linkListP99Ms,
    call: () => ({
      method: 'GET', path: '/api/v1/links?limit=50', status: 200,
      check: (body) => checkPage(body, { size: 50 }) ?? (asPage(body).nextCursor ? null : 'no nextCursor'),
    }),
  };
}

function listCursorKind(count: number, warmups: number, cursors: string[]): LatencyKindSpec {
  const depth = cursors.length - 1;
  return {
    name: 'list-cursor', label: `GET /api/v1/links?limit=50&cursor=, pages 2-${depth + 1}`, count, warmups, budgetP99Ms: BUDGETS.linkListP99Ms,
    call: (i) => {
      const k = i % depth;
      return {
        method: 'GET', path: `/api/v1/links?limit=50&cursor=${encodeURIComponent(cursors[k]!)}`, status: 200,
        check: (body) => checkPage(body, { size: 50 }) ?? (asPage(body).nextCursor === cursors[k + 1] ? null : `page ${k + 2} has another nextCursor than before`),
      };
    },
  };
}

/** Alternately a seeded link's slug and its url path ("<word>/<row number>"): a handful of links each. */
function searchFewKind(count: number, warmups: number, samples: { slug: string; url: string }[]): LatencyKindSpec {
  return {
    name: 'search-few', label: 'GET /api/v1/links?search=, slug or url path of one link', count, warmups, budgetP99Ms: BUDGETS.linkSearchP99Ms,
    call: (i) => {
      const sample = samples[i % samples.length]!;
      const term = i % 2 === 0 ? sample.slug : new URL(sample.url).pathname.slice(1);
      return {
        method: 'GET', path: `/api/v1/links?limit=50&search=${encodeURIComponent(term)}`, status: 200,
        check: (body) => checkPage(body, { minSize: 1, each: (l) => haystack(l).includes(term.toLowerCase()) })
          ?? (asPage(body).data.some((l) => l.slug === sample.slug) ? null : `link ${sample.slug} not found`),
      };
    },
  };
}

function searchManyKind(count: number, warmups: number): LatencyKindSpec {
  return {
    name: 'search-many', label: `GET /api/v1/links?search=, ${MANY_TERMS.length} terms on 2.5-100% of links`, count, warmups, budgetP99Ms: BUDGETS.linkSearchP99Ms,
    call: (i) => {
      const term = MANY_TERMS[i % MANY_TERMS.length]!;
      return {
        method: 'GET', path: `/api/v1/links?limit=50&search=${encodeURIComponent(term)}`, status: 200,
        check: (body) => checkPage(body, { size: 50, each: (l) => haystack(l).includes(term) }),
      };
    },
  };
}

/** Every tag of the seed in turn, from 18% of the links (social) to 0.01% (legal-hold). */
function tagKind(count: number, warmups: number, stored: number): LatencyKindSpec {
  const share = new Map<string, number>();
  for (const band of TAG_BANDS) for (const tag of band.tags) share.set(tag, (share.get(tag) ?? 0) + band.per10k / 10_000);
  const tags = [...share.keys()];
  return {
    name: 'tag', label: `GET /api/v1/links?tag=, ${tags.length} tags on 0.01-18% of links`, count, warmups, budgetP99Ms: BUDGETS.linkListP99Ms,
    call: (i) => {
      const tag = tags[i % tags.length]!;
      // A tag on (about) 20 links or more must give a non-empty page.
      const minSize = share.get(tag)! * stored >= 20 ? 1 : 0;
      return {
        method: 'GET', path: `/api/v1/links?limit=50&tag=${encodeURIComponent(tag)}`, status: 200,
        check: (body) => checkPage(body, { minSize, each: (l) => l.tags.includes(tag) }),
      };
    },
  };
}
