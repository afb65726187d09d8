-- Hourly rollup sketches are stored without compression (still out of line past ~2 KB). Ingest
-- rewrites the grown ones every batch (appended entries, dense 4,097-byte sketches), and pglz
-- spent its time trying to compress register data that hardly compresses: per 20,000-click
-- batch the rollup upsert took 73-76 ms instead of 107-109 ms, and compacting grown rows 3 ms
-- instead of 5 (ingest probe, PostgreSQL's statement log). Values already stored keep their
-- form until rewritten.
ALTER TABLE click_rollups_hourly ALTER COLUMN visitors SET STORAGE EXTERNAL;
