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

export interface Database {
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
}
