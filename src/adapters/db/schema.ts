import type { ColumnType, Generated } from 'kysely';

/** Kysely's view of the tables in migrations/. Keep in step with the SQL files. */
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string | undefined, string>;

export interface UsersTable {
  id: string;
  email: string;
  password_hash: string | null;
  is_admin: Generated<boolean>;
  created_at: Timestamp;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  personal_for: string | null;
  created_at: Timestamp;
}

export interface MembershipsTable {
  workspace_id: string;
  user_id: string;
  role: string;
  created_at: Timestamp;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface ApiKeysTable {
  id: string;
  workspace_id: string;
  created_by: string;
  name: string;
  key_hash: string;
  hint: string;
  scopes: string[];
  created_at: Timestamp;
  last_used_at: Date | null;
  revoked_at: Date | null;
  /** Requests per minute; null = the default (0007). */
  rate_limit: Generated<number | null>;
}

export interface DomainsTable {
  id: string;
  workspace_id: string;
  host: string;
  not_found_url: string | null;
  created_at: Timestamp;
}

export interface LinksTable {
  id: string;
  workspace_id: string;
  domain: string;
  slug: string;
  url: string;
  url_hash: string;
  title: string | null;
  description: string | null;
  tags: string[];
  redirect_type: number;
  forward_query: boolean;
  expires_at: Date | null;
  expired_url: string | null;
  max_clicks: number | null;
  password_hash: string | null;
  rules: Json<unknown[]>;
  variants: Json<unknown[]>;
  utm: Json<Record<string, string>>;
  archived: boolean;
  clicks: Generated<number>;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface TagsTable {
  workspace_id: string;
  name: string;
  created_at: Timestamp;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  state: 'running' | 'done';
  response_status: number | null;
  response_type: string | null;
  response_body: string | null;
  created_at: Timestamp;
}

export interface SchemaMigrationsTable {
  name: string;
  checksum: string;
  applied_at: Timestamp;
}

/** Raw click events (migrations/0002_clicks.sql), partitioned by day on `at`. */
export interface ClicksTable {
  id: string;
  at: Timestamp;
  workspace_id: string;
  link_id: string;
  domain: string;
  referrer: string | null;
  referrer_host: string | null;
  country: string | null;
  device: string | null;
  browser: string | null;
  os: string | null;
  language: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  bot: boolean;
  visitor_id: string;
}

/** Which rollup rows exist from when (0008): `link_daily_totals` since `since_ms` (null: always). */
export interface ClickRollupCoverageTable {
  name: string;
  since_ms: string | number | null;
}

/** click_rollups_hourly, _daily and _weekly: link_id '' = workspace level, dimension '' = totals. */
export interface ClickRollupsTable {
  workspace_id: string;
  link_id: string;
  dimension: string;
  bucket: Timestamp;
  bot: boolean;
  /** '' stands for an unknown value (and for totals). */
  value: string;
  clicks: number;
  /** Appendable HyperLogLog sketch: read with VisitorSketch.mergeStored. */
  visitors: Uint8Array;
}

export interface VisitorSaltsTable {
  day: ColumnType<Date, string, string>;
  salt: Uint8Array;
}

/** migrations/0004_jobs.sql: the job queue, recurring schedules, the events outbox. */
export interface JobsTable {
  id: string;
  name: string;
  payload: Json<Record<string, unknown>>;
  workspace_id: string | null;
  state: 'queued' | 'running' | 'succeeded' | 'dead';
  attempt: Generated<number>;
  max_attempts: number | null;
  run_at: Timestamp;
  locked_until: Date | null;
  locked_by: string | null;
  singleton_key: string | null;
  last_error: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: Date | null;
}

export interface JobSchedulesTable {
  name: string;
  last_tick: Timestamp;
  updated_at: Timestamp;
}

export interface EventsTable {
  id: string;
  workspace_id: string;
  type: string;
  link_id: string | null;
  tags: string[];
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  dispatched_at: Date | null;
}

export interface LinkExpirationsTable {
  link_id: string;
  expiry: string;
  created_at: Timestamp;
}

/** Notifications, e-mails, preferences, milestones and invitations (migrations/0006_notifications.sql). */
export interface NotificationsTable {
  id: string;
  user_id: string;
  workspace_id: string;
  type: string;
  title: string;
  body: string;
  data: Json<Record<string, unknown>>;
  dedupe_key: string;
  read_at: Date | null;
  created_at: Timestamp;
}

export interface NotificationPreferencesTable {
  user_id: string;
  type: string;
  in_app: boolean;
  email: boolean;
  updated_at: Timestamp;
}

export interface NotificationEmailsTable {
  id: string;
  user_id: string | null;
  to_address: string;
  dedupe_key: string;
  subject: string;
  text_body: string;
  html_body: string;
  sent_at: Date | null;
  created_at: Timestamp;
}

export interface LinkMilestonesTable {
  link_id: string;
  workspace_id: string;
  threshold: ColumnType<number, number, number>;
  created_by: string | null;
  reached_at: Date | null;
  notified_at: Date | null;
  created_at: Timestamp;
}

export interface WorkspaceInvitationsTable {
  id: string;
  workspace_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  expires_at: Timestamp;
  accepted_at: Date | null;
  accepted_by: string | null;
  created_at: Timestamp;
}

export interface Database {
  notifications: NotificationsTable;
  notification_preferences: NotificationPreferencesTable;
  notification_emails: NotificationEmailsTable;
  link_milestones: LinkMilestonesTable;
  workspace_invitations: WorkspaceInvitationsTable;
  clicks: ClicksTable;
  click_rollups_hourly: ClickRollupsTable;
  click_rollups_daily: ClickRollupsTable;
  click_rollups_weekly: ClickRollupsTable;
  click_rollup_coverage: ClickRollupCoverageTable;
  visitor_salts: VisitorSaltsTable;
  users: UsersTable;
  workspaces: WorkspacesTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  domains: DomainsTable;
  links: LinksTable;
  tags: TagsTable;
  idempotency_keys: IdempotencyKeysTable;
  schema_migrations: SchemaMigrationsTable;
  jobs: JobsTable;
  job_schedules: JobSchedulesTable;
  events: EventsTable;
  link_expirations: LinkExpirationsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

/** migrations/0005_webhooks.sql */
export interface WebhooksTable {
  id: string;
  workspace_id: string;
  url: string;
  events: string[];
  link_ids: string[];
  tags: string[];
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: Date | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  workspace_id: string;
  event_id: string;
  event_type: string;
  attempt: number;
  status: 'delivered' | 'failed';
  response_status: number | null;
  duration_ms: number;
  response_excerpt: string | null;
  error: string | null;
  next_attempt_at: Date | null;
  created_at: Timestamp;
}
