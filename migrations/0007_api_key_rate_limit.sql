-- Per-key API rate limits (SPEC §4: 600 requests/min per key by default, configurable per key).
-- NULL means the deployment's default.
ALTER TABLE api_keys ADD COLUMN rate_limit integer CHECK (rate_limit BETWEEN 1 AND 100000);
