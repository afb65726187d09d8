-- Weekly rollups: the rows of each ISO week (Monday 00:00 UTC to the next), built from its
-- daily rows once the week is closed, as compact sketches: the workspace level (totals and
-- every dimension) and per-link totals, like the daily rows. A 30-day ranking then reads about
-- 4 weekly and 3 daily rows per value instead of 31 daily ones (top 10 referrers at 10 M
-- clicks: ~10,000 index entries instead of ~46,000), and a year 52 instead of 365.
CREATE TABLE click_rollups_weekly (
  workspace_id text NOT NULL,
  link_id      text NOT NULL,
  dimension    text COLLATE "C" NOT NULL,
  bucket       timestamptz NOT NULL,
  bot          boolean NOT NULL,
  value        text NOT NULL,
  clicks       bigint NOT NULL,
  visitors     bytea NOT NULL,
  PRIMARY KEY (workspace_id, link_id, dimension, bucket, bot, value)
);
-- Rankings read only value and clicks (see 0010).
CREATE INDEX click_rollups_weekly_ranking_idx ON click_rollups_weekly (workspace_id, dimension, bucket, bot)
  INCLUDE (value, clicks) WHERE link_id = '';

-- Per workspace and week: are its weekly rows complete (stale = false)? Every change to a
-- day's daily rows (a roll by DailyRollups, in its transaction) marks the day's week stale, and
-- the weekly pass rebuilds stale closed weeks. Analytics read a week from its weekly rows only
-- when it is rolled and none of its days is stale (a late click not rolled into its day yet).
-- A week without a row has no weekly rows.
CREATE TABLE click_week_rollups (
  workspace_id text NOT NULL,
  bucket       timestamptz NOT NULL,
  stale        boolean NOT NULL,
  rolled_at    timestamptz,
  PRIMARY KEY (workspace_id, bucket)
);
CREATE INDEX click_week_rollups_stale_idx ON click_week_rollups (bucket) WHERE stale;

-- Weeks that already have daily rows are built by the weekly pass, oldest first.
INSERT INTO click_week_rollups (workspace_id, bucket, stale)
SELECT DISTINCT workspace_id, date_trunc('week', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', true
FROM click_rollups_daily WHERE link_id = '' AND dimension = '';
