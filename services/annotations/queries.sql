-- SQL of the annotations domain (named blocks, see services/db/sql_blocks.py): runs, their locks and records,
-- the health gate, the read path and the Annotation runs page. The link lifecycle, staging, canonical-form
-- fragments and release loading keep theirs in lifecycle.sql, staging.sql, canonical.sql and sources.sql.

-- name: set_temp_buffers
SELECT set_config('temp_buffers', :size, false);

-- name: set_work_mem
SELECT set_config('work_mem', :size, false);

-- name: reset_work_mem
RESET work_mem;

-- name: try_lock
SELECT pg_try_advisory_lock(hashtextextended(:k, 0));

-- name: unlock
SELECT pg_advisory_unlock(hashtextextended(:k, 0));

-- name: latest_running_run
SELECT id, started_at, triggered_by FROM annotation_run
 WHERE source = :s AND status = 'running'
 ORDER BY id DESC LIMIT 1;

-- name: end_dead_runs_of_source
-- Called with the source's lock held: a run still ``running`` belonged to a dead process.
UPDATE annotation_run
SET status = 'held', health = 'partial', health_reasons = ARRAY[:why], finished_at = clock_timestamp()
WHERE source = :s AND status = 'running';

-- name: braked_run_of_source
SELECT id FROM annotation_run WHERE source = :s AND status = 'braked';

-- name: end_runs_of_job
UPDATE annotation_run
SET status = 'held', health = 'partial', health_reasons = ARRAY[:why], finished_at = clock_timestamp()
WHERE job_id = :job AND status = 'running';

-- name: running_runs
SELECT id, source FROM annotation_run WHERE status = 'running';

-- name: end_dead_run
-- Only while still running: a run that committed its outcome meanwhile is left as it is.
UPDATE annotation_run
SET status = 'held', health = 'partial', health_reasons = ARRAY[:why], finished_at = clock_timestamp()
WHERE id = :id AND status = 'running';

-- name: now
SELECT clock_timestamp();

-- name: applied_watermark
-- The newest ``complete_before`` of the release's applied runs, and the last applied run that reached it.
SELECT max(complete_before),
       max(id) FILTER (WHERE complete_before = (SELECT max(complete_before) FROM annotation_run
                                                 WHERE release_id = :id AND status = 'applied'))
  FROM annotation_run
 WHERE release_id = :id AND status = 'applied';

-- name: insert_run
INSERT INTO annotation_run (source, source_kind, release_id, source_version, genome_build, force, triggered_by,
                            job_id, alleles_created_after, snapshot_at, complete_before, alleles_expected, status)
VALUES (:source, :kind, :release_id, :version, :genome, :force, :who, :job_id, :after, :snap, :complete, :expected,
        'running')
RETURNING id;

-- name: finish_run
-- A run's outcome (applied, held, braked); ``integrity`` stays as it is when NULL (a cancelled run's).
UPDATE annotation_run
   SET status = :status, health = :health, health_reasons = :reasons, alleles_processed = :processed,
       source_errors = :source_errors, counts = CAST(:counts AS jsonb),
       integrity = COALESCE(CAST(:integrity AS jsonb), integrity), applied_at = :applied_at,
       finished_at = clock_timestamp()
 WHERE id = :run_id;

-- name: fail_run
UPDATE annotation_run
   SET status = 'failed', health = 'errored', health_reasons = ARRAY[:message], error_message = :message,
       finished_at = clock_timestamp()
 WHERE id = :run_id;

-- name: decide_run
-- A lead's confirmation (applied) or rejection of a braked run.
UPDATE annotation_run
   SET status = :status, decided_by = :decided_by, health_reasons = :reasons, counts = CAST(:counts AS jsonb),
       alleles_processed = :processed, applied_at = :applied_at, finished_at = clock_timestamp()
 WHERE id = :run_id;

-- name: braked_run
SELECT source, release_id, status, alleles_created_after, snapshot_at, complete_before, alleles_expected,
       health_reasons
  FROM annotation_run
 WHERE id = :id;

-- name: live_links
SELECT count(*) FROM annotation_link WHERE source = :s AND valid_to IS NULL;

-- name: previous_release_id
-- The release of the latest applied run of the same source and build, another release than :release_id.
SELECT r.release_id
  FROM annotation_run r
 WHERE r.source = :source AND r.genome_build = :build AND r.status = 'applied' AND r.release_id <> :release_id
 ORDER BY r.applied_at DESC, r.id DESC
 LIMIT 1;

-- name: is_verified
SELECT EXISTS (SELECT 1 FROM annotation_release_verification WHERE release_id = :id);

-- name: known_sources
SELECT name FROM annotation_sources UNION SELECT DISTINCT source FROM annotation_run ORDER BY 1;

-- name: latest_links
-- The latest link of each (allele, source) of :ids (valid from :at or earlier when :at is given). The links are
-- read in their two halves, current (valid_to IS NULL: uq_annotation_link_live) and ended (valid_to IS NOT NULL:
-- ix_annotation_link_retired_allele), both btrees; the halves partition the table, so the union is every link of
-- the alleles. (Read as one, the only index was the exclusion constraint's GiST: ≈ 70 ms for a page's 1,000
-- alleles at 600k links.)
SELECT DISTINCT ON (l.allele_id, l.source)
       l.allele_id, l.source, l.value, l.source_version, l.valid_from, l.valid_to, l.run_id,
       (SELECT e.source_version FROM annotation_event e
         WHERE e.allele_id = l.allele_id AND e.source = l.source AND e.kind = 'RETIRED' AND e.at = l.valid_to
         LIMIT 1) AS retired_in
  FROM (SELECT allele_id, source, value, source_version, valid_from, valid_to, run_id
          FROM annotation_link WHERE allele_id = ANY(:ids) AND valid_to IS NULL
        UNION ALL
        SELECT allele_id, source, value, source_version, valid_from, valid_to, run_id
          FROM annotation_link WHERE allele_id = ANY(:ids) AND valid_to IS NOT NULL) AS l
 WHERE CAST(:at AS timestamptz) IS NULL OR l.valid_from <= :at
 ORDER BY l.allele_id, l.source, l.valid_from DESC;

-- name: retired_display_impact
SELECT source, count(*) FROM annotation_current WHERE retired GROUP BY source ORDER BY source;

-- name: allele_by_id
SELECT id, genome_build, chrom, pos, ref, alt FROM alleles WHERE id = :id;

-- name: list_releases
SELECT s.id, s.name, s.kind, s.version, s.genome_build, s.record_count, s.contigs, s.loaded_at,
       (SELECT string_agg(v.verified_by, ', ') FROM annotation_release_verification v WHERE v.release_id = s.id)
  FROM annotation_sources s
 WHERE CAST(:source AS text) IS NULL OR s.name = :source
 ORDER BY s.name, s.loaded_at DESC, s.id DESC;

-- name: list_samples
SELECT external_id FROM samples ORDER BY external_id;

-- name: change_report
SELECT a.chrom || '-' || a.pos || '-' || a.ref || '-' || a.alt AS allele, a.genome_build, e.kind,
       e.previous_value, e.value, e.at
  FROM annotation_event e JOIN alleles a ON a.id = e.allele_id
 WHERE e.run_id = :run AND e.kind = ANY(:kinds)
   AND (CAST(:sample AS text) IS NULL
        OR EXISTS (SELECT 1 FROM variants v JOIN samples sm ON sm.id = v.sample_id
                    WHERE v.allele_id = e.allele_id AND sm.external_id = :sample))
   AND (CAST(:sig AS text) IS NULL OR e.value ->> 'clnsig' ILIKE '%' || :sig || '%'
        OR e.previous_value ->> 'clnsig' ILIKE '%' || :sig || '%')
 ORDER BY e.kind, a.chrom, a.pos, e.id;

-- name: release_verification
SELECT verified_by, verified_at, note FROM annotation_release_verification
 WHERE release_id = :r
 ORDER BY id LIMIT 1;
