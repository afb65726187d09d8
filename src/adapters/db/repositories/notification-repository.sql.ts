import { sql, type Selectable } from 'kysely';
import {
  isNotificationType, type NewEmail, type NewNotification, type Notification, type NotificationRepository, type NotificationType,
  type OutgoingEmail, type Preference,
} from '../../../core/notifications/notification.js';
import type { Db } from '../database.js';
import type { NotificationsTable } from '../schema.js';

const toNotification = (r: Selectable<NotificationsTable>): Notification => ({
  id: r.id, userId: r.user_id, workspaceId: r.workspace_id, type: r.type as NotificationType, title: r.title, body: r.body,
  data: r.data, readAt: r.read_at, createdAt: r.created_at,
});

export class SqlNotificationRepository implements NotificationRepository {
  constructor(private readonly db: Db) {}

  async preferencesFor(userIds: readonly string[], type: NotificationType): Promise<Map<string, Preference>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('notification_preferences').selectAll().where('type', '=', type).where('user_id', 'in', [...userIds]).execute();
    return new Map(rows.map((r) => [r.user_id, { type, inApp: r.in_app, email: r.email }]));
  }

  async preferences(userId: string): Promise<Preference[]> {
    const rows = await this.db.selectFrom('notification_preferences').selectAll().where('user_id', '=', userId).execute();
    return rows.filter((r) => isNotificationType(r.type)).map((r) => ({ type: r.type as NotificationType, inApp: r.in_app, email: r.email }));
  }

  async setPreferences(userId: string, preferences: readonly Preference[], at: Date): Promise<void> {
    if (preferences.length === 0) return;
    await this.db.insertInto('notification_preferences')
      .values(preferences.map((p) => ({ user_id: userId, type: p.type, in_app: p.inApp, email: p.email, updated_at: at })))
      .onConflict((oc) => oc.columns(['user_id', 'type']).doUpdateSet((eb) => ({
        in_app: eb.ref('excluded.in_app'), email: eb.ref('excluded.email'), updated_at: eb.ref('excluded.updated_at'),
      })))
      .execute();
  }

  async record(notifications: readonly NewNotification[], emails: readonly NewEmail[]): Promise<string[]> {
    return this.db.transaction().execute(async (tx) => {
      if (notifications.length > 0) {
        await tx.insertInto('notifications').values(notifications.map((n) => ({
          id: n.id, user_id: n.userId, workspace_id: n.workspaceId, type: n.type, title: n.title, body: n.body,
          data: JSON.stringify(n.data), dedupe_key: n.dedupeKey, created_at: n.createdAt,
        }))).onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing()).execute();
      }
      if (emails.length === 0) return [];
      const col = <T>(pick: (e: NewEmail) => T): T[] => emails.map(pick);
      await sql`insert into notification_emails (id, user_id, to_address, dedupe_key, subject, text_body, html_body, created_at)
        select * from unnest(${col((e) => e.id)}::text[], ${col((e) => e.userId)}::text[], ${col((e) => e.toAddress)}::text[],
          ${col((e) => e.dedupeKey)}::text[], ${col((e) => e.subject)}::text[], ${col((e) => e.text)}::text[], ${col((e) => e.html)}::text[],
          ${col((e) => e.createdAt.toISOString())}::timestamptz[])
        on conflict (lower(to_address), dedupe_key) do nothing`.execute(tx);
      // New rows and rows an earlier attempt stored but may not have enqueued.
      const pending = await sql<{ id: string }>`select e.id from notification_emails e
        join unnest(${col((e) => e.toAddress.toLowerCase())}::text[], ${col((e) => e.dedupeKey)}::text[]) as k(address, dedupe_key)
          on lower(e.to_address) = k.address and e.dedupe_key = k.dedupe_key
        where e.sent_at is null order by e.id`.execute(tx);
      return pending.rows.map((r) => r.id);
    });
  }

  async list(userId: string, workspaceId: string | null, unreadOnly: boolean, after: { createdAt: Date; id: string } | null, limit: number): Promise<Notification[]> {
    let query = this.db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
    if (workspaceId !== null) query = query.where('workspace_id', '=', workspaceId);
    if (unreadOnly) query = query.where('read_at', 'is', null);
    if (after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
    return (await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()).map(toNotification);
  }

  async markRead(userId: string, workspaceId: string | null, id: string, at: Date): Promise<Notification | null> {
    let query = this.db.updateTable('notifications').set({ read_at: sql<Date>`coalesce(read_at, ${at.toISOString()}::timestamptz)` })
      .where('id', '=', id).where('user_id', '=', userId);
    if (workspaceId !== null) query = query.where('workspace_id', '=', workspaceId);
    const row = await query.returningAll().executeTakeFirst();
    return row ? toNotification(row) : null;
  }

  async unsentEmail(id: string): Promise<OutgoingEmail | null> {
    const row = await this.db.selectFrom('notification_emails').select(['to_address', 'subject', 'text_body', 'html_body'])
      .where('id', '=', id).where('sent_at', 'is', null).executeTakeFirst();
    return row ? { to: row.to_address, subject: row.subject, text: row.text_body, html: row.html_body } : null;
  }

  async markEmailSent(id: string, at: Date): Promise<void> {
    await this.db.updateTable('notification_emails').set({ sent_at: at, text_body: '', html_body: '' }).where('id', '=', id).execute();
  }

  async pruneEmails(before: Date): Promise<number> {
    const result = await this.db.deleteFrom('notification_emails').where('sent_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
