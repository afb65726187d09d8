import { CompiledQuery } from 'kysely';
import type { Db } from './database.js';

/**
 * COPY … FROM STDIN through Kysely, on both engines. Kysely has no COPY, so the statement
 * travels as a query whose only parameter is the data (PostgreSQL's text format); each
 * engine's connection recognises that shape (copyRequest) and streams the data instead:
 * node-postgres through pg-copy-streams (pg-copy.ts), PGlite as its '/dev/blob' input
 * (pglite-client.ts). Same statement, same data, same transaction as the queries around it.
 *
 * Why: bulk rows through COPY cost PostgreSQL about half of what INSERT … SELECT FROM unnest(…)
 * of array parameters costs (parsing 19 array literals, then the executor), measured on the
 * raw clicks of an ingest batch (BENCHMARKS.md).
 */

const COPY_FROM_STDIN = /^copy [a-z_]+ \([a-z_, ]+\) from stdin$/;

/** Rows a COPY … FROM STDIN of `data` (UTF-8 text format: tab-separated, one line per row) stored. */
export async function copyRows(db: Db, table: string, columns: readonly string[], data: Uint8Array): Promise<number> {
  const result = await db.executeQuery(CompiledQuery.raw(`copy ${table} (${columns.join(', ')}) from stdin`, [data]));
  return Number(result.numAffectedRows ?? 0);
}

/** The data, if the query is a copyRows request; null for any other query. */
export function copyRequest(sql: string, params: readonly unknown[] | undefined): Uint8Array | null {
  if (params?.length !== 1 || !(params[0] instanceof Uint8Array) || !COPY_FROM_STDIN.test(sql)) return null;
  return params[0];
}

/**
 * COPY data written straight into a growing buffer, a line at a time: a batch's 20,000 lines
 * held as one string were thousands of heap objects that lived until the write, and copying
 * them in every young-generation collection cost ingest more than building them.
 */
export class CopyData {
  private buffer: Buffer;
  private length = 0;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(expectedBytes, 1024));
  }

  /** Appends a line (its fields already copyField'ed and tab-separated), adding the newline. */
  line(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; +1 for the newline.
    const most = text.length * 3 + 1;
    if (this.length + most > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + most));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.length += this.buffer.write(text, this.length);
    this.buffer[this.length++] = 0x0a;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Characters the text format escapes: backslash (its escape character), and row and column separators. */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** One field in COPY's text format; null is \N. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}
