import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { openPGlite, type DatabaseHandle } from '../../src/adapters/db/database.js';

/** Nice values of this process's threads (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(') ') + 2).split(' ')[16]);
  });
}

const NICE = 7;

describe('the PGlite thread', { skip: process.platform !== 'linux' && 'per-thread nice values are Linux only' }, () => {
  let handle: DatabaseHandle;
  before(async () => {
    handle = await openPGlite(null, { task: { module: new URL('../support/echo-task.js', import.meta.url).href, options: {} }, nice: NICE });
  });
  after(async () => { await handle.close(); });

  it('starts and answers queries at the process\'s priority, and takes its nice value with the first task', async () => {
    assert.equal((await sql<{ n: number }>`select 41 + 1 as n`.execute(handle.db)).rows[0]!.n, 42);
    assert.ok(!threadNiceValues().includes(NICE), 'no thread is niced before ingest runs');
    assert.deepEqual(await handle.runTask!('ping'), { input: 'ping', rows: [{ n: 1 }] });
    assert.equal(threadNiceValues().filter((n) => n === NICE).length, 1, 'the database thread, once its task ran');
    assert.equal((await sql<{ n: number }>`select 1 as n`.execute(handle.db)).rows[0]!.n, 1);
  });
});
