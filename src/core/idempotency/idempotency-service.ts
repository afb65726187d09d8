import { DomainError, invalid } from '../errors.js';

export interface StoredResponse {
  status: number;
  contentType: string | null;
  body: string;
}

export interface IdempotencyRecord {
  requestHash: string;
  state: 'running' | 'done';
  response: StoredResponse | null;
}

export interface IdempotencyStore {
  /** Claims the key for a new request: null when claimed, otherwise the live record that holds it. Records older than `since` are replaced. */
  claim(scope: string, key: string, requestHash: string, since: Date): Promise<IdempotencyRecord | null>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  release(scope: string, key: string): Promise<void>;
  purge(before: Date): Promise<number>;
}

const TTL_MS = 24 * 3_600_000;

/** SPEC §4: same key and body within 24 h replays; another body is refused; a running first attempt conflicts. */
export class IdempotencyService {
  constructor(private readonly store: IdempotencyStore, private readonly now: () => Date = () => new Date()) {}

  /** null: go ahead (and call finish or abandon); otherwise the response to replay. */
  async begin(scope: string, key: string, requestHash: string): Promise<StoredResponse | null> {
    if (key.length < 1 || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
      throw invalid([{ pointer: '/headers/idempotency-key', detail: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const existing = await this.store.claim(scope, key, requestHash, new Date(this.now().getTime() - TTL_MS));
    if (existing === null) return null;
    if (existing.requestHash !== requestHash) {
      throw new DomainError('idempotency-key-reused', 'this Idempotency-Key was used with a different request; use a new key');
    }
    if (existing.state === 'running' || !existing.response) {
      throw new DomainError('idempotency-in-progress', 'a request with this Idempotency-Key is still running; retry later');
    }
    return existing.response;
  }

  finish(scope: string, key: string, response: StoredResponse): Promise<void> {
    return this.store.complete(scope, key, response);
  }

  /** Server failures are not remembered, so the client may retry with the same key. */
  abandon(scope: string, key: string): Promise<void> {
    return this.store.release(scope, key);
  }

  purgeExpired(): Promise<number> {
    return this.store.purge(new Date(this.now().getTime() - TTL_MS));
  }
}
