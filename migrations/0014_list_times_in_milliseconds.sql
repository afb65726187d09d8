-- Jobs and memberships take created_at from now(), which has microseconds, while list cursors
-- carry an ISO instant in milliseconds (core/pagination.ts). A cursor then pointed a fraction
-- of a millisecond before its own row: GET /jobs skipped jobs created in the same millisecond
-- as the last one of a page (a flaky test showed it), and member pages would repeat their last
-- member. The other listed tables get created_at from the application, in milliseconds.
ALTER TABLE jobs ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
UPDATE jobs SET created_at = date_trunc('milliseconds', created_at) WHERE created_at <> date_trunc('milliseconds', created_at);
ALTER TABLE memberships ALTER COLUMN created_at SET DEFAULT date_trunc('milliseconds', now());
UPDATE memberships SET created_at = date_trunc('milliseconds', created_at) WHERE created_at <> date_trunc('milliseconds', created_at);
