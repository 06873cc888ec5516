-- SQL of the annotations domain (named blocks, see services/db/sql_blocks.py).

-- name: running_runs
SELECT id, source FROM annotation_run WHERE status = 'running';

-- name: end_dead_run
-- Only while still running: a run that committed its outcome meanwhile is left as it is.
UPDATE annotation_run
SET status = 'held', health = 'partial', health_reasons = ARRAY[:why], finished_at = clock_timestamp()
WHERE id = :id AND status = 'running';
