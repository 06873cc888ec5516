-- SQL of the job engine (named blocks, see services/db/sql_blocks.py).

-- name: defer_job
-- One procrastinate queue entry for ``run_job(job_id)``, in the caller's transaction.
SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, 0, NULL, NULL,
       CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1]));

-- name: cancel_queue_entry
UPDATE procrastinate_jobs SET status = 'cancelled' WHERE id = :id AND status = 'todo';

-- name: update_progress
-- Also answers whether a cancel was requested (read at every progress flush).
UPDATE job SET progress_current = :cur, progress_total = :tot WHERE id = :id
RETURNING coalesce((meta->>'cancel_requested')::boolean, false);

-- name: insert_event
INSERT INTO job_event (job_id, kind, message, progress_current, progress_total, data)
VALUES (:id, :kind, :msg, :cur, :tot, CAST(:data AS jsonb));

-- name: requeue_job
UPDATE job SET status = 'queued', meta = meta || CAST(:meta AS jsonb) WHERE id = :id;

-- name: fail_queued_job
-- A job that never started (its operation is unknown here): queued -> failed in one step.
UPDATE job SET status = 'failed', finished_at = now(), error_code = :code, error_message = :msg
WHERE id = :id AND status = 'queued'
RETURNING procrastinate_job_id;

-- name: take_lease
-- A session advisory lock: held until released or until the connection ends (even by SIGKILL).
SELECT pg_advisory_lock(hashtextextended(:key, 0));

-- name: release_lease
SELECT pg_advisory_unlock(hashtextextended(:key, 0));

-- name: lease_held
-- Reads pg_locks only: checking a lease never takes it (a starting owner is never refused because of it).
-- A bigint advisory key shows as classid (high 32 bits) and objid (low 32 bits) with objsubid 1.
SELECT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(:key, 0)
);

-- name: prune_stalled_workers
SELECT procrastinate_prune_stalled_workers_v1(:seconds);

-- name: running_jobs
-- Candidates for recovery; the ones whose lease is free are lost (services/jobs/recovery.py).
SELECT j.id, j.operation, p.id AS queue_id, p.status::text AS queue_status
FROM job j
LEFT JOIN procrastinate_jobs p ON p.id = j.procrastinate_job_id
WHERE j.status = 'running'
FOR UPDATE OF j SKIP LOCKED;

-- name: retry_queue_entry
SELECT procrastinate_retry_job_v2(:id, now(), 0, NULL, NULL);

-- name: fail_queue_entry
SELECT procrastinate_finish_job_v1(:id, 'failed', false);

-- name: mark_requeued
UPDATE job SET status = 'queued' WHERE id = :id;

-- name: stranded_queue_entries
-- Entries a worker took but never started: their Job is still ``queued`` and their worker is gone (pruned for
-- a stale heartbeat, so ``worker_id`` was set NULL) — e.g. the database went away between fetch and claim.
SELECT p.id
FROM procrastinate_jobs p
JOIN job j ON j.procrastinate_job_id = p.id
WHERE p.status = 'doing' AND j.status = 'queued' AND p.worker_id IS NULL
FOR UPDATE OF p SKIP LOCKED;

-- name: unstartable_jobs
-- Jobs still ``queued`` whose queue entry already ended in failure: a worker took them but could not start
-- them (its database connection failed before the claim). Nothing would ever run them.
SELECT j.id
FROM job j
JOIN procrastinate_jobs p ON p.id = j.procrastinate_job_id
WHERE j.status = 'queued' AND p.status IN ('failed', 'aborted')
FOR UPDATE OF j SKIP LOCKED;
