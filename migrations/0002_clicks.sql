-- Click analytics: raw click events, rollups maintained at ingest, daily visitor salts.

-- One row per served redirect (SPEC §3). Range-partitioned by day so retention drops whole
-- partitions instead of deleting rows; the ingest creates each day's partition ahead of time,
-- and the default partition only catches rows for days that have none (e.g. an old backfill).
-- The primary key includes the partition key (PostgreSQL requires it); an event's id and time
-- never change, so ON CONFLICT (id, at) makes redelivered events a no-op.
-- visitor_id is a keyed hash of IP + UA under the day's salt; the IP itself is never stored.
CREATE TABLE clicks (
  id            uuid NOT NULL,
  at            timestamptz NOT NULL,
  workspace_id  text NOT NULL,
  link_id       text NOT NULL,
  domain        text NOT NULL,
  referrer      text,
  referrer_host text,
  country       text,
  device        text,
  browser       text,
  os            text,
  language      text,
  utm_source    text,
  utm_medium    text,
  utm_campaign  text,
  utm_term      text,
  utm_content   text,
  bot           boolean NOT NULL,
  visitor_id    uuid NOT NULL,
  PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE clicks_default PARTITION OF clicks DEFAULT;
-- Export and minute-level series read a workspace's or a link's rows in time order.
CREATE INDEX clicks_workspace_at_idx ON clicks (workspace_id, at);
CREATE INDEX clicks_link_at_idx ON clicks (link_id, at);

-- Rollups, written in the same transaction as the raw rows they count. Key:
--   link_id   ''  = the whole workspace, else one link;
--   dimension ''  = all clicks (value ''), else a breakdown (country, device, …) where
--             value '' stands for "unknown";
--   bot       bots are kept apart so that every query can exclude, include or isolate them.
-- visitors is a HyperLogLog sketch (src/core/analytics/hll.ts) of the bucket's visitor ids,
-- so distinct visitors can be merged over any range and breakdown at query time.
-- Hourly rows serve time series in any whole-hour time zone; daily rows (UTC days) let a
-- breakdown over a long range read one row per day and value instead of 24.
CREATE TABLE click_rollups_hourly (
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

CREATE TABLE click_rollups_daily (
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

-- The salt of each UTC day's visitor ids, shared by every ingest process. Old salts are
-- deleted, so yesterday's visitor ids can no longer be recomputed from an IP and UA.
CREATE TABLE visitor_salts (
  day  date PRIMARY KEY,
  salt bytea NOT NULL
);
