import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from './database.js';

export interface MigrationResult { applied: string[]; alreadyApplied: number }

export class MigrationError extends Error {}

/**
 * Applies plain-SQL migrations in name order inside one transaction, under an advisory
 * lock so instances starting together do not race. Applied files are checksummed:
 * editing a released migration is refused instead of silently diverging.
 */
export async function migrate(db: Db, directory: string): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
  const migrations = await Promise.all(files.map(async (name) => {
    const text = await readFile(join(directory, name), 'utf8');
    return { name, text, checksum: createHash('sha256').update(text).digest('hex') };
  }));

  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(727274)`.execute(tx);
    await sql`create table if not exists schema_migrations (
      name text primary key, checksum text not null, applied_at timestamptz not null default now())`.execute(tx);
    const done = new Map((await tx.selectFrom('schema_migrations').selectAll().execute()).map((r) => [r.name, r.checksum]));
    const applied: string[] = [];
    for (const m of migrations) {
      const known = done.get(m.name);
      if (known !== undefined) {
        if (known !== m.checksum) throw new MigrationError(`migration ${m.name} was changed after it was applied; add a new migration instead`);
        continue;
      }
      await sql.raw(m.text).execute(tx);
      await tx.insertInto('schema_migrations').values({ name: m.name, checksum: m.checksum }).execute();
      applied.push(m.name);
    }
    const unknown = [...done.keys()].filter((name) => !files.includes(name));
    if (unknown.length > 0) throw new MigrationError(`database has migrations this version does not know: ${unknown.join(', ')}; run a newer Curt`);
    return { applied, alreadyApplied: done.size };
  });
}
