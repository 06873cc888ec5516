-- SQL of the variants domain (named blocks, see services/db/sql_blocks.py).

-- name: running_loads
SELECT load_batch_id FROM variant_load_audit WHERE status = 'running';

-- name: fail_dead_load
-- Only while still running: a load that committed its outcome meanwhile is left as it is.
UPDATE variant_load_audit
SET status = 'failed', finished_at = now(), error_message = :why,
    seconds = extract(epoch FROM now() - started_at)
WHERE load_batch_id = :id AND status = 'running';
