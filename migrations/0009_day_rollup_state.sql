-- Daily rollups (workspace level, and per-link totals) are no longer written at ingest: a
-- background pass builds each UTC day's rows from its hourly rows once the day is closed, as
-- compact sketches, replacing whatever daily rows the day had. Ingest writes about half the
-- rollup rows it used to per batch. This table says, per workspace and UTC day, whether the
-- day's daily rows are complete (stale = false) or analytics must read its hourly rows
-- (stale = true: not rolled yet, or a late click arrived after the roll).
-- Ingest upserts the row with stale = true for every day it writes to, in its transaction.
-- A day without a row has complete daily rows: ingest wrote them before this migration, or the
-- bulk load (seed-clicks) did.
CREATE TABLE click_day_rollups (
  workspace_id text NOT NULL,
  bucket       timestamptz NOT NULL,
  stale        boolean NOT NULL,
  rolled_at    timestamptz,
  PRIMARY KEY (workspace_id, bucket)
);
CREATE INDEX click_day_rollups_stale_idx ON click_day_rollups (bucket) WHERE stale;
