-- Notifications: in-app rows, e-mails waiting to be sent, per-user preferences, click
-- milestones on links, and invitations of people without an account to a workspace.

-- In-app notifications. (user_id, dedupe_key) is unique: a replayed trigger (an event
-- dispatched twice, a milestone check run by two workers) never shows a notification twice.
CREATE TABLE notifications (
  id           text PRIMARY KEY,
  user_id      text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  type         text NOT NULL,
  title        text NOT NULL,
  body         text NOT NULL,
  data         jsonb NOT NULL DEFAULT '{}',
  dedupe_key   text NOT NULL,
  read_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notifications_dedupe_key ON notifications (user_id, dedupe_key);
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);
CREATE INDEX notifications_user_unread_idx ON notifications (user_id, created_at DESC, id DESC) WHERE read_at IS NULL;

-- Absent row: both channels on.
CREATE TABLE notification_preferences (
  user_id    text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  type       text NOT NULL,
  in_app     boolean NOT NULL,
  email      boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, type)
);

-- E-mails to send, one per recipient and trigger; a `notification.email` job sends each.
-- The job finds sent_at set after a replay and does nothing, so a message goes out once.
-- The bodies are cleared once sent (an invitation's carries its sign-up token until then);
-- sent rows are kept 30 days as the memory of what was sent, then pruned.
CREATE TABLE notification_emails (
  id           text PRIMARY KEY,
  user_id      text REFERENCES users (id) ON DELETE CASCADE,
  to_address   text NOT NULL,
  dedupe_key   text NOT NULL,
  subject      text NOT NULL,
  text_body    text NOT NULL,
  html_body    text NOT NULL,
  sent_at      timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX notification_emails_dedupe_key ON notification_emails (lower(to_address), dedupe_key);
CREATE INDEX notification_emails_sent_idx ON notification_emails (sent_at) WHERE sent_at IS NOT NULL;

-- Click milestones a user sets on a link. reached_at is claimed by the one UPDATE that sees
-- links.clicks cross the threshold; notified_at follows once the notification is recorded,
-- so a claim whose notification was lost (crash) is found and notified again.
CREATE TABLE link_milestones (
  link_id      text NOT NULL REFERENCES links (id) ON DELETE CASCADE,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  threshold    bigint NOT NULL CHECK (threshold > 0),
  created_by   text REFERENCES users (id) ON DELETE SET NULL,
  reached_at   timestamptz,
  notified_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, threshold)
);
CREATE INDEX link_milestones_pending_idx ON link_milestones (link_id) WHERE notified_at IS NULL;

-- Invitations of e-mail addresses without an account. The token is stored as SHA-256 only.
-- One open invitation per workspace and address: inviting again renews it.
CREATE TABLE workspace_invitations (
  id           text PRIMARY KEY,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  email        text NOT NULL,
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  token_hash   text NOT NULL,
  invited_by   text REFERENCES users (id) ON DELETE SET NULL,
  expires_at   timestamptz NOT NULL,
  accepted_at  timestamptz,
  accepted_by  text REFERENCES users (id) ON DELETE SET NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX workspace_invitations_token_key ON workspace_invitations (token_hash);
CREATE UNIQUE INDEX workspace_invitations_open_key ON workspace_invitations (workspace_id, lower(email)) WHERE accepted_at IS NULL;
