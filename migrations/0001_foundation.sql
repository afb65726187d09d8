-- Foundation: accounts, workspaces, API keys, domains, links, tags, idempotency.
-- Migrations are immutable once released: change the schema with a new file.

-- Trigram indexes make substring search (?search=) an index lookup instead of a scan.
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension since PostgreSQL 13.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE users (
  id            text PRIMARY KEY,
  email         text NOT NULL,
  password_hash text,
  is_admin      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE workspaces (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  personal_for text REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX workspaces_personal_key ON workspaces (personal_for) WHERE personal_for IS NOT NULL;

CREATE TABLE memberships (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

-- Session tokens and API keys are stored as SHA-256 hashes only.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  created_by   text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name         text NOT NULL,
  key_hash     text NOT NULL,
  hint         text NOT NULL,
  scopes       text[] NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE UNIQUE INDEX api_keys_key_hash_key ON api_keys (key_hash);
CREATE INDEX api_keys_workspace_idx ON api_keys (workspace_id, created_at DESC, id DESC);

CREATE TABLE domains (
  id            text PRIMARY KEY,
  workspace_id  text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  host          text NOT NULL,
  not_found_url text,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX domains_host_key ON domains (lower(host));
CREATE INDEX domains_workspace_idx ON domains (workspace_id, created_at DESC, id DESC);

-- domain '' is the instance's default domain (CURT_BASE_URL), so changing the base URL
-- moves those links with it.
-- clicks is deliberately not indexed and the table keeps 30% free space per page: the click
-- counter then updates rows in place (HOT), without rewriting every index entry each second.
CREATE TABLE links (
  id            text PRIMARY KEY,
  workspace_id  text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  domain        text NOT NULL DEFAULT '',
  slug          text NOT NULL,
  url           text NOT NULL,
  url_hash      text NOT NULL,
  title         text,
  description   text,
  tags          text[] NOT NULL DEFAULT '{}',
  redirect_type smallint NOT NULL DEFAULT 302 CHECK (redirect_type IN (301, 302, 307, 308)),
  forward_query boolean NOT NULL DEFAULT true,
  expires_at    timestamptz,
  expired_url   text,
  max_clicks    bigint,
  password_hash text,
  rules         jsonb NOT NULL DEFAULT '[]',
  variants      jsonb NOT NULL DEFAULT '[]',
  utm           jsonb NOT NULL DEFAULT '{}',
  archived      boolean NOT NULL DEFAULT false,
  clicks        bigint NOT NULL DEFAULT 0,
  created_by    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);
CREATE UNIQUE INDEX links_domain_slug_key ON links (domain, slug);
CREATE INDEX links_workspace_created_idx ON links (workspace_id, created_at DESC, id DESC);
CREATE INDEX links_workspace_url_hash_idx ON links (workspace_id, url_hash);
CREATE INDEX links_tags_idx ON links USING gin (tags);
-- Keep in step with the search expression in link-repository.sql.ts.
CREATE INDEX links_search_idx ON links USING gin ((slug || ' ' || url || ' ' || coalesce(title, '')) gin_trgm_ops);
-- With the default statistics a term in a few percent of links can be estimated at 100 rows,
-- planned as a bitmap scan plus sort, and take 150 ms at 1M links; 1000 keeps estimates right.
ALTER INDEX links_search_idx ALTER COLUMN 1 SET STATISTICS 1000;

-- The workspace's tag vocabulary, so GET /tags never aggregates over links.
-- Byte order (COLLATE "C"), so tags sort and page the same on every server collation.
CREATE TABLE tags (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  name         text COLLATE "C" NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (workspace_id, name)
);

CREATE TABLE idempotency_keys (
  scope           text NOT NULL,
  key             text NOT NULL,
  request_hash    text NOT NULL,
  state           text NOT NULL CHECK (state IN ('running', 'done')),
  response_status integer,
  response_type   text,
  response_body   text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
