import type { PGliteClient } from '../../src/adapters/db/pglite-client.js';

/** A PGlite thread task (PGliteThreadData.task) that answers its input and a query's result. */
export function createTask(client: PGliteClient): (input: unknown) => Promise<unknown> {
  return async (input) => ({ input, rows: (await client.query('select $1::int as n', [1])).rows });
}
