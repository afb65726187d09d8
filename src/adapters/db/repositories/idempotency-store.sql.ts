import type { IdempotencyRecord, IdempotencyStore, StoredResponse } from '../../../core/idempotency/idempotency-service.js';
import type { Db } from '../database.js';

export class SqlIdempotencyStore implements IdempotencyStore {
  constructor(private readonly db: Db) {}

  async claim(scope: string, key: string, requestHash: string, since: Date): Promise<IdempotencyRecord | null> {
    // One statement decides: insert, or take over a record that has outlived its 24 h.
    const claimed = await this.db.insertInto('idempotency_keys')
      .values({ scope, key, request_hash: requestHash, state: 'running', created_at: new Date() })
      .onConflict((oc) => oc.columns(['scope', 'key']).doUpdateSet({
        request_hash: requestHash, state: 'running', response_status: null, response_type: null, response_body: null, created_at: new Date(),
      }).where('idempotency_keys.created_at', '<', since))
      .returning('scope').executeTakeFirst();
    if (claimed) return null;
    const row = await this.db.selectFrom('idempotency_keys').selectAll().where('scope', '=', scope).where('key', '=', key).executeTakeFirst();
    if (!row) return this.claim(scope, key, requestHash, since);
    return {
      requestHash: row.request_hash,
      state: row.state,
      response: row.state === 'done' && row.response_status !== null
        ? { status: row.response_status, contentType: row.response_type, body: row.response_body ?? '' } : null,
    };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.db.updateTable('idempotency_keys')
      .set({ state: 'done', response_status: response.status, response_type: response.contentType, response_body: response.body })
      .where('scope', '=', scope).where('key', '=', key).execute();
  }

  async release(scope: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('scope', '=', scope).where('key', '=', key).where('state', '=', 'running').execute();
  }

  async purge(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
