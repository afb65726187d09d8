import type { SessionRepository } from '../auth/ports.js';
import type { IdempotencyService } from '../idempotency/idempotency-service.js';

export interface HousekeepingResult { sessions: number; idempotencyKeys: number }

/**
 * Deletes what has outlived its use: expired sessions and idempotency records older than
 * their 24 h window. Idempotent, so several instances may run it. (A scheduled job once the
 * job queue exists.)
 */
export class Housekeeping {
  constructor(private readonly sessions: SessionRepository, private readonly idempotency: IdempotencyService, private readonly now: () => Date = () => new Date()) {}

  async run(): Promise<HousekeepingResult> {
    const sessions = await this.sessions.deleteExpired(this.now());
    const idempotencyKeys = await this.idempotency.purgeExpired();
    return { sessions, idempotencyKeys };
  }
}
