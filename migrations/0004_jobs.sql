-- The durable job queue, the events outbox and what the recurring jobs remember.
-- Jobs live here (not in a separate service) so that an enqueue joins the transaction of the
-- change that causes it, on PGlite and PostgreSQL alike.

-- state: queued (waiting for run_at; also after a failed attempt with attempts left),
-- running (claimed by locked_by until locked_until, the lease), succeeded, dead (attempts used
-- up, a permanent failure, or no handler). attempt counts the runs started so far.
-- max_attempts is null until a worker first claims the job (the definition decides).
CREATE TABLE jobs (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  payload       jsonb NOT NULL DEFAULT '{}',
  workspace_id  text,
  state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'dead')),
  attempt       integer NOT NULL DEFAULT 0,
  max_attempts  integer,
  run_at        timestamptz NOT NULL DEFAULT now(),
  locked_until  timestamptz,
  locked_by     text,
  singleton_key text,
  last_error    text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz
);
-- While a job with a key is queued or running, another enqueue with that key is a no-op.
CREATE UNIQUE INDEX jobs_singleton_key ON jobs (singleton_key) WHERE singleton_key IS NOT NULL AND state IN ('queued', 'running');
-- The claim: due queued jobs in run_at order; expired leases.
CREATE INDEX jobs_due_idx ON jobs (run_at) WHERE state = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE state = 'running';
-- GET /jobs: a workspace's jobs newest first, optionally of one state (also the depth counts).
CREATE INDEX jobs_workspace_idx ON jobs (workspace_id, created_at DESC, id DESC);
CREATE INDEX jobs_workspace_state_idx ON jobs (workspace_id, state, created_at DESC, id DESC);
-- Retention: succeeded jobs are pruned after 7 days, dead ones after 30.
CREATE INDEX jobs_finished_idx ON jobs (finished_at) WHERE state IN ('succeeded', 'dead');

-- Recurring jobs: the last cron tick enqueued per schedule, so that several instances enqueue
-- each tick once, and ticks missed while everything was down run once, not once each.
CREATE TABLE job_schedules (
  name       text PRIMARY KEY,
  last_tick  timestamptz NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- The outbox: workspace events written in the transaction of the change that causes them.
-- An events.dispatch job hands each to the subscribers (webhooks, notifications, live feed)
-- and sets dispatched_at in the transaction that enqueues their jobs.
CREATE TABLE events (
  id            text PRIMARY KEY,
  workspace_id  text NOT NULL,
  type          text NOT NULL,
  link_id       text,
  tags          text[] NOT NULL DEFAULT '{}',
  data          jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  dispatched_at timestamptz
);
CREATE INDEX events_undispatched_idx ON events (created_at) WHERE dispatched_at IS NULL;
CREATE INDEX events_created_idx ON events (created_at);

-- link.expired is recorded once per expiry: the key says which (expiresAt:<instant> or
-- maxClicks:<n>), so a link given a new expiry that passes again gets a new event.
CREATE TABLE link_expirations (
  link_id    text NOT NULL REFERENCES links (id) ON DELETE CASCADE,
  expiry     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (link_id, expiry)
);
-- The expiry pass looks at links whose expires_at passed recently, and at click-capped links.
CREATE INDEX links_expires_idx ON links (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX links_max_clicks_idx ON links (id) WHERE max_clicks IS NOT NULL;
