import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyRequest } from './copy-from.js';

/**
 * Makes every client of the pool run copyRows requests (copy-from.ts) as COPY … FROM STDIN
 * with pg-copy-streams, answering what node-postgres answers for a COPY: its row count.
 * Every other query goes to node-postgres unchanged.
 */
export function enableCopyFrom(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (text: unknown, params?: unknown, ...rest: unknown[]) => {
      const data = typeof text === 'string' ? copyRequest(text, params as unknown[] | undefined) : null;
      return data === null ? query(text, params, ...rest) : copyIn(client, text as string, data);
    };
  });
}

async function copyIn(client: pg.PoolClient, statement: string, data: Uint8Array): Promise<{ command: string; rowCount: number; rows: [] }> {
  const stream = client.query(copyFrom(statement));
  await pipeline(Readable.from([data]), stream);
  return { command: 'COPY', rowCount: stream.rowCount, rows: [] };
}
