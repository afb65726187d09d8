import type { Actor } from '../auth/actor.js';
import { invalid, notFound, type FieldError } from '../errors.js';
import { newId } from '../ids.js';
import type { JobQueue } from '../jobs/ports.js';
import { decodeTimeCursor, encodeTimeCursor } from '../pagination.js';
import {
  NOTIFICATION_TYPES, isNotificationType, type NewEmail, type NewNotification, type Notification, type NotificationRepository,
  type NotificationType, type Preference, type RecipientDirectory,
} from './notification.js';
import { render, toEmail, type NotificationData, type Rendered } from './templates.js';

/** The job that sends one stored e-mail (see email-job.ts). */
export const EMAIL_JOB = 'notification.email';

export interface NotificationServiceDeps {
  repository: NotificationRepository;
  directory: RecipientDirectory;
  jobs: JobQueue;
  baseUrl: URL;
  /** false when SMTP_URL is unset: no e-mail is stored and no job enqueued. */
  emailEnabled: boolean;
  now?: () => Date;
}

export interface NotifyMessage<T extends NotificationType> {
  type: T;
  workspaceId: string;
  data: NotificationData[T];
  /** The trigger's identity (event id, milestone, invitation): a replay with it adds nothing. */
  dedupeKey: string;
}

/**
 * Notifications per user and type, in-app and by e-mail, as each recipient's preferences say.
 * In-app rows are written here; e-mails are stored and sent by one `notification.email` job
 * each, so an SMTP outage delays them (the queue retries) instead of losing them.
 */
export class NotificationService {
  private readonly now: () => Date;

  constructor(private readonly deps: NotificationServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get emailEnabled(): boolean {
    return this.deps.emailEnabled;
  }

  /** Recipients who are not (or no longer) members of the workspace are skipped. */
  async notify<T extends NotificationType>(recipients: readonly string[], message: NotifyMessage<T>): Promise<{ inApp: number; emails: number }> {
    const members = await this.deps.directory.members(message.workspaceId, [...new Set(recipients)]);
    if (members.length === 0) return { inApp: 0, emails: 0 };
    const preferences = await this.deps.repository.preferencesFor(members.map((m) => m.userId), message.type);
    const rendered = render(message.type, message.data);
    const createdAt = this.now();
    const notifications: NewNotification[] = [];
    const emails: NewEmail[] = [];
    for (const member of members) {
      const preference = preferences.get(member.userId);
      if (preference?.inApp ?? true) {
        notifications.push({
          id: newId('ntf'), userId: member.userId, workspaceId: message.workspaceId, type: message.type, title: rendered.title, body: rendered.body,
          data: message.data as unknown as Record<string, unknown>, dedupeKey: message.dedupeKey, createdAt,
        });
      }
      if (this.deps.emailEnabled && (preference?.email ?? true)) emails.push(this.email(member.email, member.userId, rendered, message.dedupeKey, createdAt));
    }
    const toSend = await this.deps.repository.record(notifications, emails);
    await this.enqueue(toSend, message.workspaceId);
    return { inApp: notifications.length, emails: toSend.length };
  }

  /** An e-mail to an address without an account (an invitation); false when e-mail is off. */
  async mailTo(address: string, workspaceId: string, rendered: Rendered, dedupeKey: string): Promise<boolean> {
    if (!this.deps.emailEnabled) return false;
    const toSend = await this.deps.repository.record([], [this.email(address, null, rendered, dedupeKey, this.now())]);
    await this.enqueue(toSend, workspaceId);
    return true;
  }

  /** A user's own notifications; an API key sees its creator's, in its workspace only. */
  async list(actor: Actor, query: { unread: boolean; cursor: string | undefined; limit: number }): Promise<{ notifications: Notification[]; nextCursor: string | null }> {
    const rows = await this.deps.repository.list(actor.userId, scopeOf(actor), query.unread, decodeTimeCursor(query.cursor), query.limit + 1);
    const notifications = rows.slice(0, query.limit);
    const last = notifications.at(-1);
    return { notifications, nextCursor: rows.length > query.limit && last ? encodeTimeCursor(last.createdAt, last.id) : null };
  }

  /** Idempotent: a notification read before keeps its first readAt. */
  async markRead(actor: Actor, id: string): Promise<Notification> {
    const notification = await this.deps.repository.markRead(actor.userId, scopeOf(actor), id, this.now());
    if (!notification) throw notFound('notification');
    return notification;
  }

  /** Every type, with defaults (both channels on) where the user chose nothing. */
  async preferences(actor: Actor): Promise<Preference[]> {
    const stored = new Map((await this.deps.repository.preferences(actor.userId)).map((p) => [p.type, p]));
    return NOTIFICATION_TYPES.map((type) => stored.get(type) ?? { type, inApp: true, email: true });
  }

  /** Sets the listed types; others keep their setting. */
  async setPreferences(actor: Actor, input: unknown): Promise<Preference[]> {
    await this.deps.repository.setPreferences(actor.userId, checkPreferences(input), this.now());
    return this.preferences(actor);
  }

  private email(toAddress: string, userId: string | null, rendered: Rendered, dedupeKey: string, createdAt: Date): NewEmail {
    const content = toEmail(rendered, this.deps.baseUrl);
    return { id: newId('eml'), userId, toAddress, dedupeKey, subject: content.subject, text: content.text, html: content.html, createdAt };
  }

  private async enqueue(emailIds: readonly string[], workspaceId: string): Promise<void> {
    if (emailIds.length === 0) return;
    await this.deps.jobs.enqueue(emailIds.map((emailId) => ({
      name: EMAIL_JOB, payload: { emailId }, workspaceId, singletonKey: `${EMAIL_JOB}:${emailId}`,
    })));
  }
}

/** Sessions see all their notifications; a key only those of its workspace. */
const scopeOf = (actor: Actor): string | null => (actor.kind === 'api-key' ? actor.workspaceId : null);

function checkPreferences(input: unknown): Preference[] {
  if (!Array.isArray(input)) throw invalid([{ pointer: '/preferences', detail: 'must be an array' }]);
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const out: Preference[] = [];
  input.forEach((item: unknown, i) => {
    const p = (item ?? {}) as Record<string, unknown>;
    const type = typeof p.type === 'string' ? p.type : '';
    if (!isNotificationType(type)) errors.push({ pointer: `/preferences/${i}/type`, detail: `must be one of ${NOTIFICATION_TYPES.join(', ')}` });
    else if (seen.has(type)) errors.push({ pointer: `/preferences/${i}/type`, detail: 'is listed twice' });
    if (typeof p.inApp !== 'boolean') errors.push({ pointer: `/preferences/${i}/inApp`, detail: 'must be true or false' });
    if (typeof p.email !== 'boolean') errors.push({ pointer: `/preferences/${i}/email`, detail: 'must be true or false' });
    if (isNotificationType(type) && typeof p.inApp === 'boolean' && typeof p.email === 'boolean') {
      seen.add(type);
      out.push({ type, inApp: p.inApp, email: p.email });
    }
  });
  if (errors.length > 0) throw invalid(errors);
  return out;
}
