-- Webhooks (SPEC §4/§5) and their delivery log.
-- The secret is stored as given (whsec_…): every delivery signs with it, so it cannot be hashed.
-- It never leaves the API after the create and rotate-secret answers.
CREATE TABLE webhooks (
  id                          text PRIMARY KEY,
  workspace_id                text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  url                         text NOT NULL,
  events                      text[] NOT NULL,
  link_ids                    text[] NOT NULL DEFAULT '{}',
  tags                        text[] NOT NULL DEFAULT '{}',
  secret                      text NOT NULL,
  previous_secret             text,
  previous_secret_expires_at  timestamptz,
  enabled                     boolean NOT NULL DEFAULT true,
  disabled_reason             text,
  failing_since               timestamptz,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL
);
CREATE INDEX webhooks_workspace_idx ON webhooks (workspace_id, created_at DESC, id DESC);

-- One row per attempt. event_id refers to the outbox's events table, without a foreign key:
-- events are pruned on their own schedule while the log stays readable.
CREATE TABLE webhook_deliveries (
  id                text PRIMARY KEY,
  webhook_id        text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
  workspace_id      text NOT NULL,
  event_id          text NOT NULL,
  event_type        text NOT NULL,
  attempt           integer NOT NULL,
  status            text NOT NULL CHECK (status IN ('delivered', 'failed')),
  response_status   integer,
  duration_ms       integer NOT NULL,
  response_excerpt  text,
  error             text,
  next_attempt_at   timestamptz,
  created_at        timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (webhook_id, event_id, attempt);
