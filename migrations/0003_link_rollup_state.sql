-- Per-link dimension rollups are no longer written at ingest (about 10 new rows per click on a
-- rarely clicked link made ingest 6-8x too slow); a background pass builds them from raw clicks
-- once an hour is closed. This table says, per workspace and UTC hour, whether that hour's
-- per-link dimension rows are complete (stale = false) or must be read from raw clicks
-- (stale = true: not rolled yet, or a late click arrived after the roll).
-- Ingest upserts the row with stale = true for every hour it writes to, in its transaction.
CREATE TABLE click_link_rollups (
  workspace_id text NOT NULL,
  bucket       timestamptz NOT NULL,
  stale        boolean NOT NULL,
  rolled_at    timestamptz,
  PRIMARY KEY (workspace_id, bucket)
);
CREATE INDEX click_link_rollups_stale_idx ON click_link_rollups (bucket) WHERE stale;

-- Hours ingested before this migration have complete per-link rows.
INSERT INTO click_link_rollups (workspace_id, bucket, stale, rolled_at)
SELECT DISTINCT workspace_id, bucket, false, now() FROM click_rollups_hourly WHERE link_id = '' AND dimension = '';
