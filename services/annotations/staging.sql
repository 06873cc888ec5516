-- What a run covers and its staged results (services/annotations/staging.py; named blocks, see
-- services/db/sql_blocks.py). ``{table}`` is the release's ``anno_<source>`` table, quoted by
-- services/db/identifiers.py; ``{value}``, ``{original}`` and ``{error}`` are the canonical-form expressions
-- services/annotations/canonical.py builds from that table's quoted column names.
--
-- The allele set of a site release (gnomAD, ClinVar, …: its build and covered contigs, contract 2) and of a
-- VEP release (only the alleles in its file, contract 3), for the inclusive id range [:lo, :hi]. The id range
-- is repeated on the release side so each chunk reads only its slice of the release (the planner does not
-- carry range conditions across a join by itself).

-- name: release_by_id
SELECT s.id, s.name, s.kind, s.version, s.genome_build, s.contigs, s.record_count, s.table_name
  FROM annotation_sources s
 WHERE s.id = :id;

-- name: release_id_by_key
SELECT s.id FROM annotation_sources s WHERE s.name = :name AND s.version = :version AND s.genome_build = :genome;

-- name: snapshot
-- The snapshot instant and the start of the oldest other transaction still open (contract 1).
SELECT clock_timestamp(),
       least(clock_timestamp(),
             (SELECT min(xact_start) FROM pg_stat_activity
               WHERE pid <> pg_backend_pid() AND datname = current_database() AND xact_start IS NOT NULL));

-- name: release_columns
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_schema = current_schema() AND table_name = :t
 ORDER BY ordinal_position;

-- name: create_staging
CREATE TEMP TABLE IF NOT EXISTS run_staging (
    allele_id bigint NOT NULL, value jsonb, original jsonb, error text
) ON COMMIT PRESERVE ROWS;

-- name: truncate_staging
TRUNCATE run_staging;

-- name: analyze_staging
-- Statistics of the join key only: the values are compared, never planned on.
ANALYZE run_staging (allele_id);

-- name: drop_staging
DROP TABLE IF EXISTS run_staging;

-- name: count_site_alleles
SELECT count(*)
  FROM alleles a
  LEFT JOIN {table} r
    ON r.release_id = :release_id AND r.allele_id = a.id AND r.allele_id >= :lo AND r.allele_id <= :hi
 WHERE a.genome_build = :build AND a.created_at <= :snapshot_at
   AND (CAST(:created_after AS timestamptz) IS NULL OR a.created_at > :created_after)
   AND a.id >= :lo AND a.id <= :hi AND a.chrom = ANY(:contigs);

-- name: count_vep_alleles
SELECT count(*)
  FROM alleles a
  JOIN {table} r
    ON r.release_id = :release_id AND r.allele_id = a.id AND r.allele_id >= :lo AND r.allele_id <= :hi
 WHERE a.genome_build = :build AND a.created_at <= :snapshot_at
   AND (CAST(:created_after AS timestamptz) IS NULL OR a.created_at > :created_after)
   AND a.id >= :lo AND a.id <= :hi;

-- name: stage_site_chunk
INSERT INTO run_staging (allele_id, value, original, error)
SELECT a.id,
       CASE WHEN r.release_id IS NOT NULL THEN {value} END,
       CASE WHEN r.release_id IS NOT NULL THEN {original} END,
       CASE WHEN r.release_id IS NOT NULL THEN {error} END
  FROM alleles a
  LEFT JOIN {table} r
    ON r.release_id = :release_id AND r.allele_id = a.id AND r.allele_id >= :lo AND r.allele_id <= :hi
 WHERE a.genome_build = :build AND a.created_at <= :snapshot_at
   AND (CAST(:created_after AS timestamptz) IS NULL OR a.created_at > :created_after)
   AND a.id >= :lo AND a.id <= :hi AND a.chrom = ANY(:contigs);

-- name: stage_vep_chunk
INSERT INTO run_staging (allele_id, value, original, error)
SELECT a.id,
       CASE WHEN r.release_id IS NOT NULL THEN {value} END,
       CASE WHEN r.release_id IS NOT NULL THEN {original} END,
       CASE WHEN r.release_id IS NOT NULL THEN {error} END
  FROM alleles a
  JOIN {table} r
    ON r.release_id = :release_id AND r.allele_id = a.id AND r.allele_id >= :lo AND r.allele_id <= :hi
 WHERE a.genome_build = :build AND a.created_at <= :snapshot_at
   AND (CAST(:created_after AS timestamptz) IS NULL OR a.created_at > :created_after)
   AND a.id >= :lo AND a.id <= :hi;
