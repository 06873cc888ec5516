-- SQL of the GO annotation domain (named blocks, see services/db/sql_blocks.py).

-- name: snapshot_by_id
SELECT id FROM ontology_snapshot WHERE id = :id;

-- name: snapshots_by_version
SELECT id FROM ontology_snapshot WHERE obo_version = :v ORDER BY id;

-- name: existing_set
SELECT id FROM annotation_set
WHERE source = :source AND source_version = :version AND ontology_snapshot_id = :snapshot;

-- name: insert_set
INSERT INTO annotation_set (source, source_version, ontology_snapshot_id, source_file, annotation_count,
                            skipped_count, skipped_reasons, job_id, created_by)
VALUES (:source, :version, :snapshot, :file, 0, 0, '{}', :job, :user)
RETURNING id;

-- name: create_stage
CREATE TEMP TABLE gaf_stage (
    line_no bigint, db text, db_object_id text, db_object_symbol text, qualifier text, go_id text,
    db_reference text, evidence_code text, with_from text, aspect text, db_object_name text,
    db_object_synonym text, db_object_type text, taxon text, date text, assigned_by text,
    annotation_extension text, gene_product_form_id text
) ON COMMIT DROP;

-- name: build_term_map
-- GO ids resolve directly or, only when that fails (COALESCE is lazy), through a term's alt_id.
CREATE TEMP TABLE gaf_term_map ON COMMIT DROP AS
SELECT ids.go_id,
       coalesce(
           (SELECT t.id FROM go_term t WHERE t.ontology_snapshot_id = :snapshot AND t.go_id = ids.go_id),
           (SELECT a.id FROM go_term a
            WHERE a.ontology_snapshot_id = :snapshot AND a.alt_ids @> ARRAY[ids.go_id]
            ORDER BY a.id LIMIT 1)) AS term_id
FROM (SELECT DISTINCT go_id FROM gaf_stage) ids;

-- name: skipped
-- Lines that cannot be stored, by the first failing check, with up to five example values each.
SELECT reason, count(*) AS lines, (array_agg(DISTINCT example))[1:5] AS examples
FROM (
    SELECT CASE
               WHEN NOT (s.evidence_code = ANY(CAST(:codes AS text[]))) THEN 'unknown_evidence_code'
               WHEN s.aspect NOT IN ('F', 'P', 'C') THEN 'invalid_aspect'
               WHEN m.term_id IS NULL THEN 'unknown_term'
               WHEN p.accession IS NULL THEN 'unknown_protein'
           END AS reason,
           CASE
               WHEN NOT (s.evidence_code = ANY(CAST(:codes AS text[]))) THEN s.evidence_code
               WHEN s.aspect NOT IN ('F', 'P', 'C') THEN s.aspect
               WHEN m.term_id IS NULL THEN s.go_id
               ELSE s.db_object_id
           END AS example
    FROM gaf_stage s
    JOIN gaf_term_map m ON m.go_id = s.go_id
    LEFT JOIN protein p ON p.accession = s.db_object_id
) checked
WHERE reason IS NOT NULL
GROUP BY reason ORDER BY reason;

-- name: create_partition
-- The partition name is a validated, quoted identifier built by the loader from the set id.
CREATE TABLE {partition} (LIKE protein_go_annotation INCLUDING DEFAULTS INCLUDING CONSTRAINTS);

-- name: insert_annotations
-- Every storable line once: lines equal in every stored column collapse to their first line number;
-- empty columns become NULL.
INSERT INTO {partition} (
    annotation_set_id, line_number, protein_accession, go_term_id, go_id_as_given, qualifier, negated,
    evidence_code, db_reference, with_from, aspect, assigned_by, annotation_date, extension,
    gene_product_form_id)
SELECT :set_id, min(s.line_no), s.db_object_id, m.term_id, s.go_id, nullif(s.qualifier, ''),
       coalesce('NOT' = ANY(string_to_array(nullif(s.qualifier, ''), '|')), false), s.evidence_code,
       nullif(s.db_reference, ''), nullif(s.with_from, ''), s.aspect, nullif(s.assigned_by, ''),
       nullif(s.date, ''), nullif(s.annotation_extension, ''), nullif(s.gene_product_form_id, '')
FROM gaf_stage s
JOIN gaf_term_map m ON m.go_id = s.go_id
JOIN protein p ON p.accession = s.db_object_id
WHERE s.evidence_code = ANY(CAST(:codes AS text[])) AND s.aspect IN ('F', 'P', 'C') AND m.term_id IS NOT NULL
GROUP BY s.db_object_id, m.term_id, s.go_id, s.qualifier, s.evidence_code, s.db_reference, s.with_from,
         s.aspect, s.assigned_by, s.date, s.annotation_extension, s.gene_product_form_id;

-- name: attach_partition
-- Attaching builds the partition's indexes in bulk and checks its foreign keys with one query each.
ALTER TABLE protein_go_annotation ATTACH PARTITION {partition} FOR VALUES IN ({set_id});

-- name: finish_set
UPDATE annotation_set
SET annotation_count = :annotations, skipped_count = :skipped, skipped_reasons = CAST(:reasons AS jsonb),
    gaf_version = :gaf_version
WHERE id = :id;

-- name: drop_stage
DROP TABLE gaf_term_map, gaf_stage;

-- name: bulk_work_mem
SET LOCAL work_mem = '256MB';
