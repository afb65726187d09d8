import type { UserRepository } from '../core/auth/ports.js';
import type { JobDefinition, JobQueue } from '../core/jobs/ports.js';
import type { LinkRepository } from '../core/links/ports.js';
import { emailJob } from '../core/notifications/email-job.js';
import { MilestoneService } from '../core/notifications/milestone-service.js';
import type { Mailer } from '../core/notifications/notification.js';
import { NotificationService } from '../core/notifications/notification-service.js';
import { NotificationSubscriber } from '../core/notifications/notification-subscriber.js';
import { InvitationService } from '../core/workspaces/invitation-service.js';
import type { Db } from '../adapters/db/database.js';
import { SqlInvitationRepository } from '../adapters/db/repositories/invitation-repository.sql.js';
import { SqlMilestoneRepository } from '../adapters/db/repositories/milestone-repository.sql.js';
import { SqlNotificationRepository } from '../adapters/db/repositories/notification-repository.sql.js';
import { SqlRecipientDirectory } from '../adapters/db/repositories/recipient-directory.sql.js';
import { SmtpMailer } from '../adapters/mail/smtp-mailer.js';
import type { Config } from './config.js';

export const PRUNE_JOB = 'notification.prune';
const SENT_EMAIL_RETENTION_MS = 30 * 86_400_000;

/**
 * Notifications, e-mail, milestones and invitations, built from configuration. E-mail is on
 * when SMTP_URL is set; otherwise nothing is stored for e-mail and no job is enqueued.
 * The integrator registers `definitions` with the job worker, `subscriber` with the outbox
 * dispatcher, and `schedules` as recurring jobs.
 */
export interface Notifications {
  notifications: NotificationService;
  invitations: InvitationService;
  milestones: MilestoneService;
  subscriber: NotificationSubscriber;
  definitions: JobDefinition[];
  schedules: Array<{ name: string; cron: string }>;
  /** Keeps the milestone cache fresh (every `milestoneRefreshMs`, default 30 s). */
  start(): void;
  close(): Promise<void>;
}

export interface NotificationDeps {
  jobs: JobQueue;
  users: UserRepository;
  links: LinkRepository;
  /** Tests inject one; otherwise SMTP_URL builds an SmtpMailer. */
  mailer?: Mailer;
  onError?: (error: unknown, what: string) => void;
  milestoneRefreshMs?: number;
}

export function buildNotifications(config: Config, db: Db, deps: NotificationDeps): Notifications {
  const onError = deps.onError ?? (() => {});
  const repository = new SqlNotificationRepository(db);
  const directory = new SqlRecipientDirectory(db);
  const smtp = !deps.mailer && config.smtpUrl ? new SmtpMailer({ url: config.smtpUrl, from: config.mailFrom }) : null;
  const mailer = deps.mailer ?? smtp;
  const notifications = new NotificationService({ repository, directory, jobs: deps.jobs, baseUrl: config.baseUrl, emailEnabled: mailer !== null });
  const invitations = new InvitationService({
    invitations: new SqlInvitationRepository(db), notifications, users: deps.users, baseUrl: config.baseUrl, signup: config.signup,
  });
  const milestones = new MilestoneService({
    milestones: new SqlMilestoneRepository(db), links: deps.links, notifications, directory, baseUrl: config.baseUrl,
    onError: (error) => onError(error, 'click milestone check failed; the next clicks or the sweep retry it'),
  });
  const subscriber = new NotificationSubscriber(notifications, directory);
  const definitions: JobDefinition[] = [
    subscriber.definition(),
    milestones.definition(),
    { name: PRUNE_JOB, maxAttempts: 3, handler: async () => { await repository.pruneEmails(new Date(Date.now() - SENT_EMAIL_RETENTION_MS)); } },
  ];
  if (mailer) definitions.push(emailJob(repository, mailer));
  let timer: NodeJS.Timeout | null = null;
  const refresh = () => milestones.refresh().catch((error: unknown) => onError(error, 'loading links with click milestones failed'));
  return {
    notifications, invitations, milestones, subscriber, definitions,
    schedules: [{ name: milestones.definition().name, cron: '*/5 * * * *' }, { name: PRUNE_JOB, cron: '17 3 * * *' }],
    start() {
      if (timer) return;
      void refresh();
      timer = setInterval(refresh, deps.milestoneRefreshMs ?? 30_000);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      await milestones.idle();
      smtp?.close();
    },
  };
}
