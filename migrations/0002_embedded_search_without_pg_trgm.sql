-- Embedded PGlite only: drop the trigram search index and the pg_trgm extension.
-- PGlite loads an extension's WebAssembly side module into the serving process, and with
-- pg_trgm loaded every request of that process costs ~40% more CPU, redirects included
-- (measured: BENCHMARKS.md, "pg_trgm in the embedded engine"). Search keeps the same query
-- (an ILIKE over slug, url and title) on both engines; on PGlite it scans the workspace's
-- links instead of using the index, which suits embedded installs. PostgreSQL keeps the index.
DO $$
BEGIN
  IF version() LIKE '%PGlite%' THEN
    DROP INDEX IF EXISTS links_search_idx;
    DROP EXTENSION IF EXISTS pg_trgm;
  END IF;
END
$$;
