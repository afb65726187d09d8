/** SPEC §4/§5 notification types. */
export const NOTIFICATION_TYPES = ['webhook.disabled', 'link.expired', 'link.milestone', 'workspace.invitation'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const isNotificationType = (value: string): value is NotificationType => (NOTIFICATION_TYPES as readonly string[]).includes(value);

export interface Notification {
  id: string;
  userId: string;
  workspaceId: string;
  type: NotificationType;
  title: string;
  body: string;
  data: Record<string, unknown>;
  readAt: Date | null;
  createdAt: Date;
}

export interface Preference {
  type: NotificationType;
  inApp: boolean;
  email: boolean;
}

/** An in-app row to insert unless (userId, dedupeKey) exists. */
export interface NewNotification extends Omit<Notification, 'readAt'> {
  dedupeKey: string;
}

/** An e-mail to send unless (toAddress, dedupeKey) exists. */
export interface NewEmail {
  id: string;
  userId: string | null;
  toAddress: string;
  dedupeKey: string;
  subject: string;
  text: string;
  html: string;
  createdAt: Date;
}

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface NotificationRepository {
  /** Stored preferences of the users for one type; absent users have both channels on. */
  preferencesFor(userIds: readonly string[], type: NotificationType): Promise<Map<string, Preference>>;
  preferences(userId: string): Promise<Preference[]>;
  setPreferences(userId: string, preferences: readonly Preference[], at: Date): Promise<void>;
  /**
   * Inserts both kinds in one transaction, skipping duplicates, and returns the ids of every
   * unsent e-mail with those keys (new or left over from an earlier attempt): the ones to enqueue.
   */
  record(notifications: readonly NewNotification[], emails: readonly NewEmail[]): Promise<string[]>;
  list(userId: string, workspaceId: string | null, unreadOnly: boolean, after: { createdAt: Date; id: string } | null, limit: number): Promise<Notification[]>;
  /** Sets read_at unless already read; null when the notification is not the user's (or not in the workspace). */
  markRead(userId: string, workspaceId: string | null, id: string, at: Date): Promise<Notification | null>;
  /** null when sent already (or unknown). */
  unsentEmail(id: string): Promise<OutgoingEmail | null>;
  /** Records the send and clears the bodies. */
  markEmailSent(id: string, at: Date): Promise<void>;
  /** Deletes e-mails sent before `before`; returns how many. */
  pruneEmails(before: Date): Promise<number>;
}

export interface Recipient {
  userId: string;
  email: string;
}

/** Who may hear about a workspace's affairs. */
export interface RecipientDirectory {
  /** The given users that are members of the workspace now, with their e-mail. */
  members(workspaceId: string, userIds: readonly string[]): Promise<Recipient[]>;
  /** Owners and admins of the workspace. */
  admins(workspaceId: string): Promise<string[]>;
  /** The user who created the link, when known and the link still exists. */
  linkCreator(linkId: string): Promise<string | null>;
}

/** Sends one message over SMTP; throws when the server is down or refuses it. */
export interface Mailer {
  send(message: OutgoingEmail): Promise<void>;
}
