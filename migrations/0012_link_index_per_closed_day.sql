-- The raw clicks' (link_id, at) index is no longer maintained at ingest. Inserting each click
-- into it (10,000 links: as many insertion points, random pages) was a third of COPY's time,
-- 2-4 µs per click in the ingest bench, while it only serves per-link exports and per-link
-- minute series. It is now built once per day partition, by the clicks.index-days job after
-- the day has closed (ClickLinkIndexes), as clicks_pYYYYMMDD_link_at_idx; the planner picks
-- each partition's own index where it has one. The current day's rows (and any partition not
-- indexed yet) are read through (workspace_id, at) with the link as a filter: at most a day
-- of the workspace's clicks.
DROP INDEX clicks_link_at_idx;
-- The default partition only catches rows of days without a partition (old backfills): it
-- keeps the index, and the job leaves it alone.
CREATE INDEX clicks_default_link_at_idx ON clicks_default (link_id, at);
