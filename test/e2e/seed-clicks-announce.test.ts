import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openPGlite } from '../../src/adapters/db/database.js';
import { RedisInvalidationBus } from '../../src/adapters/redis/invalidation.redis.js';
import { BIN } from '../support/curt-process.js';
import { redisSkip, redisUrl, uniquePrefix } from '../support/redis.js';

const skip = await redisSkip();
const cli = (args: string[], env: Record<string, string>) => spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

describe('curt seed-clicks with REDIS_URL', { skip, timeout: 120_000 }, () => {
  const prefix = uniquePrefix();
  const heard: string[] = [];
  let dataDir: string;
  let listener: RedisInvalidationBus;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'curt-e2e-seed-'));
    listener = new RedisInvalidationBus(redisUrl, { link: (d, s) => heard.push(`${d}/${s}`), domains: () => {}, resync: () => {} }, { prefix, listen: true });
    await listener.ready();
  });
  after(async () => {
    await listener?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tells running instances of the links it creates, as a change through the API would', async () => {
    const env = { CURT_DATA_DIR: dataDir, REDIS_URL: redisUrl, CURT_REDIS_PREFIX: prefix };
    const user = cli(['users', 'create', '--email', 'seed@example.com', '--password', 'long enough pw'], env);
    assert.equal(user.status, 0, user.stderr);
    const read = async <T>(query: (db: Awaited<ReturnType<typeof openPGlite>>['db']) => Promise<T>): Promise<T> => {
      const handle = await openPGlite(dataDir);
      try { return await query(handle.db); } finally { await handle.close(); }
    };
    const workspace = await read(async (db) => (await sql<{ id: string }>`select id from workspaces`.execute(db)).rows[0]!.id);
    const seeded = cli(['seed-clicks', '--workspace', workspace, '--links', '3', '--clicks', '40', '--days', '1', '--seed', '7'], env);
    assert.equal(seeded.status, 0, seeded.stderr);
    assert.doesNotMatch(seeded.stderr, /could not tell running instances/);
    const slugs = await read(async (db) => (await sql<{ domain: string; slug: string }>`select domain, slug from links`.execute(db)).rows);
    assert.equal(slugs.length, 3);
    for (let i = 0; i < 250 && heard.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(new Set(heard), new Set(slugs.map((l) => `${l.domain}/${l.slug}`)));
  });
});
