import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { DatabaseHandle, Db } from '../../src/adapters/db/database.js';
import { MigrationError, migrate } from '../../src/adapters/db/migrator.js';
import { MIGRATIONS_DIR } from '../../src/composition/paths.js';
import { engines } from '../support/engines.js';

const FILES = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();

/** Back to an empty database, as before the first start. */
async function resetSchema(db: Db): Promise<void> {
  await sql`drop schema public cascade; create schema public`.execute(db);
}

/** A private migrations directory holding copies of the released files (plus any extras). */
function copyMigrations(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'curt-migrations-'));
  for (const f of FILES) copyFileSync(join(MIGRATIONS_DIR, f), join(dir, f));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, name), text);
  return dir;
}

async function appliedRows(db: Db): Promise<Array<{ name: string; checksum: string }>> {
  return db.selectFrom('schema_migrations').select(['name', 'checksum']).orderBy('name').execute();
}

async function tableExists(db: Db, name: string): Promise<boolean> {
  const r = await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db);
  return r.rows[0]?.t != null;
}

const isMigrationError = (pattern: RegExp) => (e: unknown) => e instanceof MigrationError && pattern.test(e.message);

for (const engine of engines) {
  describe(`migrator on ${engine.name}`, () => {
    let handle: DatabaseHandle;
    let db: Db;
    const dirs: string[] = [];
    before(async () => { handle = await engine.open(); db = handle.db; });
    after(async () => {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await handle.close();
    });

    it('applies every file on an empty database, then nothing the second time', async () => {
      await resetSchema(db);
      const first = await migrate(db, MIGRATIONS_DIR);
      assert.deepEqual(first, { applied: FILES, alreadyApplied: 0 });
      const second = await migrate(db, MIGRATIONS_DIR);
      assert.deepEqual(second, { applied: [], alreadyApplied: FILES.length });
      assert.deepEqual((await appliedRows(db)).map((r) => r.name), FILES);
      assert.ok(await tableExists(db, 'links'));
    });

    it('refuses a migration whose text changed after it was applied', async () => {
      const dir = copyMigrations();
      dirs.push(dir);
      assert.deepEqual(await migrate(db, dir), { applied: [], alreadyApplied: FILES.length });
      const recorded = await appliedRows(db);
      const target = FILES[0]!;
      appendFileSync(join(dir, target), '\n-- an innocent-looking edit\n');
      await assert.rejects(migrate(db, dir), isMigrationError(new RegExp(target.replace('.', '\\.'))));
      assert.deepEqual(await appliedRows(db), recorded, 'the recorded checksum is untouched');
    });

    it('refuses a database holding a migration this version does not know, applying nothing', async () => {
      const dir = copyMigrations({ '0998_probe_pending.sql': 'create table probe_pending (id int);' });
      dirs.push(dir);
      await db.insertInto('schema_migrations').values({ name: '0999_from_the_future.sql', checksum: 'abc' }).execute();
      try {
        await assert.rejects(migrate(db, dir), isMigrationError(/0999_from_the_future\.sql/));
        await assert.rejects(migrate(db, MIGRATIONS_DIR), MigrationError);
        assert.equal(await tableExists(db, 'probe_pending'), false, 'the pending migration was rolled back');
        assert.deepEqual((await appliedRows(db)).map((r) => r.name), [...FILES, '0999_from_the_future.sql']);
      } finally {
        await db.deleteFrom('schema_migrations').where('name', '=', '0999_from_the_future.sql').execute();
      }
      assert.deepEqual(await migrate(db, MIGRATIONS_DIR), { applied: [], alreadyApplied: FILES.length });
    });

    it('runs a multi-statement migration and records its checksum', async () => {
      const text = 'create table probe_multi (id int);\ninsert into probe_multi values (1);\ninsert into probe_multi values (2);\n';
      const dir = copyMigrations({ '0997_probe_multi.sql': text });
      dirs.push(dir);
      try {
        assert.deepEqual(await migrate(db, dir), { applied: ['0997_probe_multi.sql'], alreadyApplied: FILES.length });
        const n = await sql<{ n: number }>`select count(*)::int as n from probe_multi`.execute(db);
        assert.equal(n.rows[0]?.n, 2);
        const row = (await appliedRows(db)).find((r) => r.name === '0997_probe_multi.sql');
        assert.match(row?.checksum ?? '', /^[0-9a-f]{64}$/);
        assert.deepEqual(await migrate(db, dir), { applied: [], alreadyApplied: FILES.length + 1 });
      } finally {
        await db.deleteFrom('schema_migrations').where('name', '=', '0997_probe_multi.sql').execute();
        await sql`drop table if exists probe_multi`.execute(db);
      }
    });

    it('lets two concurrent migrate() calls both succeed, applying each file once', async () => {
      await resetSchema(db);
      const results = await Promise.all([migrate(db, MIGRATIONS_DIR), migrate(db, MIGRATIONS_DIR)]);
      const applied = results.flatMap((r) => r.applied).sort();
      assert.deepEqual(applied, FILES, 'each file applied by exactly one of the two');
      assert.deepEqual((await appliedRows(db)).map((r) => r.name), FILES);
      assert.deepEqual(results.map((r) => r.alreadyApplied).sort(), [0, FILES.length]);
    });

    it('lets two concurrent migrate() calls share a slow pending migration, applying it once', async () => {
      // The sleep keeps the first transaction open so that, without the lock, the second would run the file too.
      const text = 'create table probe_concurrent (id int);\nselect pg_sleep(0.2);\ninsert into probe_concurrent values (1);\n';
      const dir = copyMigrations({ '0996_probe_concurrent.sql': text });
      dirs.push(dir);
      try {
        const results = await Promise.all([migrate(db, dir), migrate(db, dir)]);
        assert.deepEqual(results.flatMap((r) => r.applied), ['0996_probe_concurrent.sql']);
        const n = await sql<{ n: number }>`select count(*)::int as n from probe_concurrent`.execute(db);
        assert.equal(n.rows[0]?.n, 1);
      } finally {
        await db.deleteFrom('schema_migrations').where('name', '=', '0996_probe_concurrent.sql').execute();
        await sql`drop table if exists probe_concurrent`.execute(db);
      }
    });
  });
}
