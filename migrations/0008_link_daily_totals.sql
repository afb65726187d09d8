-- Per-link daily totals: click_rollups_daily rows with link_id <> '' and dimension '' (no
-- per-link dimension rows by day). Ingest and the bulk load write them from this version on,
-- so a top-links breakdown over 30 days reads ~30 rows per link instead of ~720 hourly ones
-- (seconds at 10 M clicks). Days before `since_ms` (ms since the epoch; NULL: every day) have
-- none, and their link-level totals are read from hourly rows. A database that already holds
-- clicks gets them from the next UTC day on; an empty one from the start.
CREATE TABLE click_rollup_coverage (
  name     text PRIMARY KEY,
  since_ms bigint
);

INSERT INTO click_rollup_coverage (name, since_ms)
SELECT 'link_daily_totals', CASE
  WHEN EXISTS (SELECT 1 FROM click_rollups_hourly) OR EXISTS (SELECT 1 FROM clicks)
    THEN (floor(extract(epoch FROM now()) / 86400) + 1)::bigint * 86400000
  ELSE NULL
END;
