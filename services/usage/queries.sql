-- SQL of the usage domain (named blocks, see services/db/sql_blocks.py).

-- name: delete_past_salts
-- A salt lives for its UTC day only: once a later day has begun, the earlier salts go.
DELETE FROM visitor_daily_salt WHERE day < :day;

-- name: insert_salt
-- The first process to need a day's salt creates it; the others keep the one already there. A process whose
-- clock lags (its day is already over elsewhere) creates nothing, so a deleted day never comes back.
INSERT INTO visitor_daily_salt (day, salt)
SELECT :day, :salt
WHERE NOT EXISTS (SELECT 1 FROM visitor_daily_salt WHERE day > :day)
ON CONFLICT (day) DO NOTHING;

-- name: salt_of_day
SELECT salt FROM visitor_daily_salt WHERE day = :day;

-- name: insert_views
INSERT INTO visitor_event (day, visitor_hash, path, method, status)
SELECT day, visitor_hash, path, 'VIEW', status
FROM unnest(CAST(:days AS date[]), CAST(:hashes AS text[]), CAST(:paths AS text[]), CAST(:statuses AS smallint[]))
    AS v(day, visitor_hash, path, status);

-- name: lock_feedback_author
-- Serialises one author's feedback so two quick submissions cannot both pass the hourly limit.
SELECT pg_advisory_xact_lock(hashtextextended('support_entry:' || :visitor_hash, 0));

-- name: recent_feedback_by_author
SELECT count(*) FROM support_entry WHERE visitor_hash = :visitor_hash AND created_at > :since;

-- name: insert_feedback
INSERT INTO support_entry (created_at, visitor_hash, thumbs_up, comment)
VALUES (:at, :visitor_hash, :thumbs_up, :comment)
RETURNING id;

-- name: feedback_counts
SELECT count(*) AS total, count(*) FILTER (WHERE thumbs_up) AS up FROM support_entry;

-- name: recent_comments
SELECT created_at, thumbs_up, comment FROM support_entry
WHERE comment IS NOT NULL
ORDER BY created_at DESC, id DESC
LIMIT :limit;

-- name: visitors_per_day
SELECT day, count(DISTINCT visitor_hash) AS visitors, count(*) AS views
FROM visitor_event
WHERE day >= :since
GROUP BY day
ORDER BY day;

-- name: views_per_page
SELECT path, count(*) AS views, count(*) FILTER (WHERE status = 500) AS errors
FROM visitor_event
WHERE day >= :since
GROUP BY path
ORDER BY views DESC, path;

-- name: purge_events_before
DELETE FROM visitor_event WHERE day < :day;
