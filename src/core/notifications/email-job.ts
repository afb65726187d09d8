import type { JobDefinition } from '../jobs/ports.js';
import type { Mailer, NotificationRepository } from './notification.js';
import { EMAIL_JOB } from './notification-service.js';

/** 30 s, 1, 2, 4 … min, capped at 2 h, ±20 %: ten attempts span about 4.5 hours of SMTP outage. */
export function emailBackoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 2 * 3_600_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Sends one stored e-mail. A send that throws (SMTP down, timeout) is retried by the queue
 * with backoff; the mailer turns a permanent refusal (5xx) into PermanentFailure. An e-mail
 * already sent (a replayed job) is not sent again.
 */
export function emailJob(repository: NotificationRepository, mailer: Mailer, now: () => Date = () => new Date()): JobDefinition {
  return {
    name: EMAIL_JOB,
    maxAttempts: 10,
    backoffMs: (attempt) => emailBackoffMs(attempt),
    handler: async (job) => {
      const id = job.payload.emailId;
      if (typeof id !== 'string') return;
      const email = await repository.unsentEmail(id);
      if (!email) return;
      await mailer.send(email);
      await repository.markEmailSent(id, now());
    },
  };
}
