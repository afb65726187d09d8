// Fills the links table of a migrated, bootstrapped Curt database with SQL: the
// "1 million links stored" of SPEC §7. Rows are generated inside PostgreSQL
// (INSERT … SELECT … FROM generate_series), deterministically from the row number.
import pg from 'pg';

/** Path words; each is about 1/40 of the urls (and of the titles). */
export const WORDS = [
  'alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november',
  'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'xray', 'yankee', 'zulu', 'spring', 'summer',
  'autumn', 'winter', 'pricing', 'careers', 'support', 'download', 'signup', 'webinar', 'release', 'roadmap', 'docs', 'status',
] as const;
/** Every url is https://<host>/<word>/<row number>?ref=<0..999>; each host is 1/5 of them. */
export const HOSTS = ['example.com', 'www.example.com', 'shop.example.com', 'blog.example.org', 'docs.example.net'] as const;
/** 60% of the links have a title "<Word> <kind> <row number mod 10000>"; each kind is 1/10 of all links. */
export const TITLE_KINDS = ['guide', 'offer', 'notes', 'launch', 'recap', 'webinar'] as const;
/** Tags of 20% of the links, by share of all links in 1/10,000ths (the rest have none). */
export const TAG_BANDS: readonly { tags: readonly string[]; per10k: number }[] = [
  { tags: ['newsletter'], per10k: 1000 },
  { tags: ['social'], per10k: 500 },
  { tags: ['social', 'campaign-spring'], per10k: 300 },
  { tags: ['press'], per10k: 150 },
  { tags: ['partner-acme'], per10k: 40 },
  { tags: ['internal'], per10k: 9 },
  { tags: ['legal-hold'], per10k: 1 },
];

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 62^7 slugs; i * SLUG_STEP mod 62^7 is a bijection (the step is a prime other than 2 and 31), so slugs are unique. */
const SLUG_SPACE = 62n ** 7n;
const SLUG_STEP = 2654435761n;

/** The tags CASE, from TAG_BANDS (constants of this file: [a-z-] only). */
function tagsExpression(): string {
  let upTo = 0;
  const arms = TAG_BANDS.map((band) => {
    upTo += band.per10k;
    return `WHEN h.g < ${upTo} THEN '{${band.tags.join(',')}}'::text[]`;
  });
  return `CASE ${arms.join(' ')} ELSE '{}'::text[] END`;
}

/** 7 base62 characters of h.x, one substr per digit. */
function slugExpression(): string {
  return Array.from({ length: 7 }, (_, k) => `substr('${BASE62}', (h.x / ${62n ** BigInt(k)} % 62)::int + 1, 1)`).join(' || ');
}

// $1 workspace_id, $2 created_by, $3..$4 row numbers, $5 rows in all, $6 the newest created_at,
// $7 WORDS, $8 HOSTS, $9 TITLE_KINDS. created_at grows with the row number over the year before $6.
// Every NOT NULL column is given explicitly, with the values Curt writes for a plain link.
const nonNegative = (seed: number) => `(hashint4extended(i, ${seed}) & 2147483647)`;
const INSERT_SQL = `
INSERT INTO links (id, workspace_id, domain, slug, url, url_hash, title, description, tags, redirect_type, forward_query,
                   expires_at, expired_url, max_clicks, password_hash, rules, variants, utm, archived, clicks, created_by, created_at, updated_at)
SELECT 'lnk_s' || lpad(i::text, 9, '0') || substr(md5(i::text), 1, 16), $1, '', ${slugExpression()}, u.url,
       encode(sha256(convert_to(u.url, 'UTF8')), 'hex'),
       CASE WHEN h.t % 10 < 6 THEN initcap(w.word) || ' ' || ($9::text[])[1 + h.t % cardinality($9::text[])] || ' ' || (i % 10000) END,
       NULL, ${tagsExpression()}, 302, true, NULL, NULL, NULL, NULL, '[]'::jsonb, '[]'::jsonb, '{}'::jsonb, false,
       (power(h.c / 1e6, 4) * 10000)::bigint, $2, at.t, at.t
FROM generate_series($3::int, $4::int) AS i
CROSS JOIN LATERAL (SELECT ${nonNegative(1)} % 1000000 AS t, ${nonNegative(2)} % 10000 AS g, ${nonNegative(3)} % 1000000 AS c,
                           (i::bigint * ${SLUG_STEP} + 12345) % ${SLUG_SPACE} AS x) h
CROSS JOIN LATERAL (SELECT ($7::text[])[1 + ${nonNegative(4)} % cardinality($7::text[])] AS word) w
CROSS JOIN LATERAL (SELECT 'https://' || ($8::text[])[1 + ${nonNegative(5)} % cardinality($8::text[])] || '/' || w.word || '/' || i
                           || '?ref=' || ${nonNegative(6)} % 1000 AS url) u
CROSS JOIN LATERAL (SELECT $6::timestamptz - interval '365 days' + (i::float8 / $5::int) * interval '365 days' AS t) at`;

/** Indexes on links that no constraint owns (all but the primary key): dropped for the load, built again after it. */
const INDEXES_SQL = `
SELECT c.relname AS name, pg_get_indexdef(x.indexrelid) AS definition,
       (SELECT coalesce(json_agg(json_build_object('column', a.attnum, 'target', a.attstattarget)), '[]')
          FROM pg_attribute a WHERE a.attrelid = x.indexrelid AND a.attnum > 0 AND a.attstattarget > 0) AS targets
FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
WHERE x.indrelid = 'links'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)
ORDER BY c.relname`;

export interface SeedResult {
  rows: number;
  totalMs: number;
  insertMs: number;
  /** Building the indexes dropped for the load. */
  indexMs: number;
  vacuumAnalyzeMs: number;
  indexesRebuilt: string[];
  tableMb: number;
  indexesMb: number;
}

const BATCHES = 4;

/**
 * Inserts `rows` links into the workspace in one transaction. The secondary indexes are
 * dropped first and built again after the load with their own definitions (as a bulk load
 * does; incremental inserts into the trigram index would take minutes), then
 * VACUUM (ANALYZE) leaves the table as autovacuum would, so autovacuum does not start
 * during the measurements.
 */
export async function seedLinks(databaseUrl: string, opts: { workspaceId: string; userId: string; rows: number; log(line: string): void }): Promise<SeedResult> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const started = performance.now();
    await client.query('BEGIN');
    await client.query("SET LOCAL maintenance_work_mem = '256MB'");
    const indexes = (await client.query<{ name: string; definition: string; targets: Array<{ column: number; target: number }> }>(INDEXES_SQL)).rows;
    for (const index of indexes) await client.query(`DROP INDEX ${quoteIdent(index.name)}`);

    const newest = new Date();
    const perBatch = Math.ceil(opts.rows / BATCHES);
    for (let from = 1; from <= opts.rows; from += perBatch) {
      const to = Math.min(opts.rows, from + perBatch - 1);
      await client.query(INSERT_SQL, [opts.workspaceId, opts.userId, from, to, opts.rows, newest, [...WORDS], [...HOSTS], [...TITLE_KINDS]]);
      opts.log(`  inserted ${to.toLocaleString('en-US')} of ${opts.rows.toLocaleString('en-US')} links (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    }
    // GET /tags reads the workspace's vocabulary, which Curt keeps next to the links.
    await client.query('INSERT INTO tags (workspace_id, name) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING',
      [opts.workspaceId, [...new Set(TAG_BANDS.flatMap((b) => b.tags))]]);
    const inserted = performance.now();

    for (const index of indexes) {
      await client.query(index.definition);
      // pg_get_indexdef omits per-column statistics targets a migration set: restore them.
      for (const t of index.targets) await client.query(`ALTER INDEX ${quoteIdent(index.name)} ALTER COLUMN ${t.column} SET STATISTICS ${t.target}`);
    }
    await client.query('COMMIT');
    const indexed = performance.now();
    opts.log(`  built ${indexes.length} indexes (${indexes.map((i) => i.name).join(', ')}) in ${((indexed - inserted) / 1000).toFixed(1)} s`);

    await client.query('VACUUM (ANALYZE) links');
    await client.query('ANALYZE tags');
    const done = performance.now();
    const sizes = (await client.query<{ table: string; indexes: string }>(
      "SELECT pg_table_size('links') AS table, pg_indexes_size('links') AS indexes")).rows[0]!;
    return {
      rows: opts.rows,
      totalMs: done - started,
      insertMs: inserted - started,
      indexMs: indexed - inserted,
      vacuumAnalyzeMs: done - indexed,
      indexesRebuilt: indexes.map((i) => i.name),
      tableMb: Number(sizes.table) / 2 ** 20,
      indexesMb: Number(sizes.indexes) / 2 ** 20,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Rows picked at random from the seeded links (slug, url, title): the source of search
 * terms that match only a few links.
 */
export async function sampleLinks(databaseUrl: string, workspaceId: string, rows: number, stored: number): Promise<{ slug: string; url: string }[]> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const percent = Math.min(100, (100 * rows * 4) / stored);
    const result = await client.query<{ slug: string; url: string }>(
      `SELECT slug, url FROM links TABLESAMPLE BERNOULLI (${percent.toFixed(6)}) WHERE workspace_id = $1 ORDER BY random() LIMIT $2`,
      [workspaceId, rows]);
    if (result.rows.length < rows) throw new Error(`sampled only ${result.rows.length} of ${rows} seeded links`);
    return result.rows;
  } finally {
    await client.end().catch(() => {});
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
