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
 * COPY data (text format) written straight into a growing buffer, a field at a time: each
 * field's characters are escaped and UTF-8 encoded into the buffer as they are read, so a row
 * allocates nothing. Built as one template string per row, the rows were over a kilobyte of
 * short-lived heap per click (the concatenations, then the flat copy Buffer.write needs), a
 * third of ingest's allocations, and what young-generation collections kept copying.
 */
export class CopyData {
  private buffer: Buffer;
  private length = 0;
  /** Whether the current row has a field yet (the next one is preceded by a tab). */
  private started = false;

  constructor(expectedBytes: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(expectedBytes, 1024));
  }

  /** The next field of the current row; null is \N. */
  field(value: string | null): void {
    // Escaped, a UTF-16 unit takes at most 3 bytes (2 for an escape); +1 for the tab.
    const most = value === null ? 3 : value.length * 3 + 1;
    if (this.length + most + 1 > this.buffer.length) this.grow(most + 1);
    const out = this.buffer;
    let at = this.length;
    if (this.started) out[at++] = 0x09;
    this.started = true;
    if (value === null) {
      out[at++] = 0x5c;
      out[at++] = 0x4e;
      this.length = at;
      return;
    }
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x80) {
        if (c === 0x5c) { out[at++] = 0x5c; out[at++] = 0x5c; }
        else if (c === 0x09) { out[at++] = 0x5c; out[at++] = 0x74; }
        else if (c === 0x0a) { out[at++] = 0x5c; out[at++] = 0x6e; }
        else if (c === 0x0d) { out[at++] = 0x5c; out[at++] = 0x72; }
        else out[at++] = c;
      } else if (c < 0x800) {
        out[at++] = 0xc0 | (c >> 6);
        out[at++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length && (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        const point = 0x10000 + ((c - 0xd800) << 10) + (value.charCodeAt(++i) - 0xdc00);
        out[at++] = 0xf0 | (point >> 18);
        out[at++] = 0x80 | ((point >> 12) & 0x3f);
        out[at++] = 0x80 | ((point >> 6) & 0x3f);
        out[at++] = 0x80 | (point & 0x3f);
      } else {
        // A lone surrogate becomes U+FFFD, as Buffer.write and TextEncoder make it.
        const unit = c >= 0xd800 && c <= 0xdfff ? 0xfffd : c;
        out[at++] = 0xe0 | (unit >> 12);
        out[at++] = 0x80 | ((unit >> 6) & 0x3f);
        out[at++] = 0x80 | (unit & 0x3f);
      }
    }
    this.length = at;
  }

  /** Ends the current row. */
  endRow(): void {
    if (this.length + 1 > this.buffer.length) this.grow(1);
    this.buffer[this.length++] = 0x0a;
    this.started = false;
  }

  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private grow(needed: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + needed));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}
