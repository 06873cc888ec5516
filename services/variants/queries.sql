-- SQL of the variants domain (named blocks, see services/db/sql_blocks.py). The loader runs its blocks on a raw
-- psycopg connection (Queries.driver_sql); {staging} and {cols} are names quoted by services.db.identifiers.
-- The Variants page's filtered queries (rows, counts, exports) are SQLAlchemy Core expressions in
-- filter_conditions.py and filter_query.py.

-- name: running_loads
SELECT load_batch_id FROM variant_load_audit WHERE status = 'running';

-- name: fail_dead_load
-- Only while still running: a load that committed its outcome meanwhile is left as it is.
UPDATE variant_load_audit
SET status = 'failed', finished_at = now(), error_message = :why,
    seconds = extract(epoch FROM now() - started_at)
WHERE load_batch_id = :id AND status = 'running';

-- name: live_load
-- The completed load of the same content for the build, if any (at most one: uq_variant_load_audit_live_content).
SELECT load_batch_id FROM variant_load_audit
WHERE file_hash = :file_hash AND genome_build = :genome_build AND status = 'completed';

-- name: insert_load_audit
-- The attempt's audit row: 'running' (committed before the load starts) or 'skipped_duplicate' (finished now).
INSERT INTO variant_load_audit (load_batch_id, file_path, file_name, file_hash, file_size, genome_build, status,
                                is_reload, previous_load_id, reference_fasta, tool_versions, consequence_fields,
                                records_total, variants_loaded, variants_skipped, skip_reasons, warnings,
                                samples_count, job_id, loaded_by, finished_at)
VALUES (:load_batch_id, :file_path, :file_name, :file_hash, :file_size, :genome_build, :status,
        :is_reload, :previous_load_id, :reference_fasta, '{}', '{}',
        0, 0, 0, '{}', '[]',
        0, :job_id, :loaded_by, CASE WHEN :status = 'skipped_duplicate' THEN now() END);

-- name: mark_load_failed
UPDATE variant_load_audit
SET status = 'failed', error_message = :message, error_line = :line, finished_at = now(), seconds = :seconds
WHERE load_batch_id = :load_batch_id AND status = 'running';

-- name: fail_job_loads
-- A dead worker's loads: nothing of their files was committed.
UPDATE variant_load_audit
SET status = 'failed', finished_at = now(),
    error_message = 'the worker running this load stopped; nothing of the file was kept'
WHERE job_id = :job_id AND status = 'running';

-- name: upsert_sample
-- A sample of the #CHROM line; PED facts fill in, never erase, what an earlier load recorded.
INSERT INTO samples (external_id, sex, phenotype, family_id, paternal_id, maternal_id)
VALUES (:external_id, :sex, :phenotype, :family_id, :paternal_id, :maternal_id)
ON CONFLICT (external_id) DO UPDATE SET
    sex = coalesce(EXCLUDED.sex, samples.sex),
    phenotype = coalesce(EXCLUDED.phenotype, samples.phenotype),
    family_id = coalesce(EXCLUDED.family_id, samples.family_id),
    paternal_id = coalesce(EXCLUDED.paternal_id, samples.paternal_id),
    maternal_id = coalesce(EXCLUDED.maternal_id, samples.maternal_id)
RETURNING id;

-- name: delete_load_variants
DELETE FROM variants WHERE load_batch_id = :load_batch_id;

-- name: mark_load_replaced
UPDATE variant_load_audit SET status = 'replaced' WHERE load_batch_id = :load_batch_id;

-- name: copy_variants
-- {cols}: services.variants.columns.VARIANT_COPY_COLUMNS, the converter's binary row layout.
COPY variants ({cols}) FROM STDIN (FORMAT BINARY);

-- name: complete_load
UPDATE variant_load_audit
SET status = 'completed', finished_at = now(), reference_genome = :reference_genome,
    tool_versions = :tool_versions, consequence_fields = :consequence_fields, records_total = :records_total,
    variants_loaded = :variants_loaded, variants_skipped = :variants_skipped, skip_reasons = :skip_reasons,
    samples_count = :samples_count, warnings = :warnings,
    seconds = extract(epoch FROM clock_timestamp() - started_at)
WHERE load_batch_id = :load_batch_id;

-- name: allele_staging_memory
-- Before the staging table is created, so that it stays in memory.
SET temp_buffers = '256MB';

-- name: create_allele_staging
-- Columns in services.alleles.keys.STAGING_COLUMNS order.
CREATE TEMP TABLE {staging} (id bigint, genome_build text, chrom text, pos bigint,
                             ref text, alt text, end_pos bigint, variant_type text) ON COMMIT DROP;

-- name: empty_allele_staging
TRUNCATE {staging};

-- name: copy_allele_staging
COPY {staging} ({cols}) FROM STDIN (FORMAT BINARY);

-- name: gene_suggestions
-- Gene names starting with :prefix (a LIKE pattern, lower-case and already escaped, ending in %), case-insensitively:
-- the first :limit distinct lower(gene) of the prefix range, a loose index scan of ix_variants_gene_position (one
-- descent per partition and name, never the names' rows), each shown in its first spelling; sorted by name.
WITH RECURSIVE lowered(lg) AS (
    (SELECT lower(gene) FROM variants WHERE lower(gene) LIKE :prefix ORDER BY lower(gene) USING ~<~ LIMIT 1)
    UNION ALL
    SELECT (SELECT lower(v.gene) FROM variants v WHERE lower(v.gene) LIKE :prefix AND lower(v.gene) ~>~ l.lg
            ORDER BY lower(v.gene) USING ~<~ LIMIT 1)
    FROM lowered l WHERE l.lg IS NOT NULL
)
SELECT s.gene
FROM (SELECT lg FROM lowered WHERE lg IS NOT NULL LIMIT :limit) l
CROSS JOIN LATERAL (SELECT gene FROM variants WHERE lower(gene) = l.lg ORDER BY gene LIMIT 1) s
ORDER BY s.gene;

-- name: gene_match
-- filter_conditions.resolve: whether a gene name longer than :gene (lower-case) starts with it (:prefix, the escaped LIKE
-- pattern ':gene%'): the first key after :gene in the prefix's range; and the first two spellings of :gene itself,
-- a loose index scan (each step one descent of ix_variants_gene_position per partition). Neither reads a gene's rows.
WITH RECURSIVE spelling(gene) AS (
    (SELECT gene FROM variants WHERE lower(gene) = :gene ORDER BY gene LIMIT 1)
    UNION ALL
    SELECT (SELECT v.gene FROM variants v WHERE lower(v.gene) = :gene AND v.gene > s.gene ORDER BY v.gene LIMIT 1)
    FROM spelling s WHERE s.gene IS NOT NULL
)
SELECT EXISTS (SELECT 1 FROM variants WHERE lower(gene) ~>~ :gene AND lower(gene) LIKE :prefix) AS longer,
       array(SELECT gene FROM spelling WHERE gene IS NOT NULL LIMIT 2) AS spellings;

-- name: contigs
-- The contigs of the store, in the database's order: the named partitions' (:named, one contig each, listed whether
-- or not they hold rows) and the first :most contigs of the default partition (``chrom <> ALL(:named)`` prunes to
-- it), found by a loose index scan of ix_variants_chrom_pos (one descent per contig, none of their rows read).
WITH RECURSIVE other(chrom) AS (
    (SELECT chrom FROM variants WHERE chrom <> ALL(:named) ORDER BY chrom LIMIT 1)
    UNION ALL
    SELECT (SELECT v.chrom FROM variants v WHERE v.chrom <> ALL(:named) AND v.chrom > o.chrom ORDER BY v.chrom LIMIT 1)
    FROM other o WHERE o.chrom IS NOT NULL
)
SELECT chrom FROM (SELECT unnest(CAST(:named AS text[])) AS chrom
                   UNION ALL
                   (SELECT chrom FROM other WHERE chrom IS NOT NULL LIMIT :most)) AS c
ORDER BY chrom;

-- name: current_clinvar_significances
SELECT DISTINCT value->>'clnsig' FROM annotation_link
WHERE source = 'clinvar' AND valid_to IS NULL AND value ? 'clnsig'
ORDER BY 1;

-- name: estimated_total
-- The planner's row estimate of the whole store: the partitions' reltuples (none before ANALYZE).
SELECT sum(greatest(c.reltuples, 0)) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'variants'::regclass AND c.reltuples >= 0;

-- name: variant_detail
SELECT v.*, s.external_id AS sample, a.consequence_fields
FROM variants v
LEFT JOIN samples s ON s.id = v.sample_id
JOIN variant_load_audit a ON a.load_batch_id = v.load_batch_id
WHERE v.variant_id = :id;

-- name: recent_loads
SELECT load_batch_id::text AS load_id, file_name, genome_build, status, is_reload, records_total,
       variants_loaded, variants_skipped, skip_reasons, warnings, error_message, error_line, loaded_by,
       started_at, seconds
FROM variant_load_audit ORDER BY started_at DESC LIMIT :limit;

-- name: sample_id
SELECT id FROM samples WHERE external_id = :external_id;

-- name: sample_names
SELECT external_id FROM samples ORDER BY external_id;

-- name: load_rows
-- How many variant rows a load holds (models, points 4–5): a completed load the rows it wrote, any other none (a
-- load is one transaction; a replaced load's rows were deleted in the transaction that marked it replaced).
SELECT CASE WHEN status = 'completed' THEN variants_loaded ELSE 0 END
FROM variant_load_audit
WHERE load_batch_id = :load_batch_id;
