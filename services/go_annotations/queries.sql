-- SQL of the GO annotation domain (named blocks, see services/db/sql_blocks.py).

-- name: existing_set
SELECT id FROM annotation_set
WHERE source = :source AND source_version = :version AND ontology_snapshot_id = :snapshot;

-- name: insert_set
INSERT INTO annotation_set (source, source_version, ontology_snapshot_id, source_file, annotation_count,
                            skipped_count, skipped_reasons, job_id, created_by)
VALUES (:source, :version, :snapshot, :file, 0, 0, '{}', :job, :user)
RETURNING id;

-- name: term_ids
-- Every id the snapshot answers to: primary ids, then alt ids (a primary id wins over an alt id).
SELECT go_id, id, 0 AS rank FROM go_term WHERE ontology_snapshot_id = :snapshot
UNION ALL
SELECT unnest(alt_ids), id, 1 FROM go_term WHERE ontology_snapshot_id = :snapshot
ORDER BY rank DESC;

-- name: create_partition
-- The partition name is a validated, quoted identifier built by the loader from the set id. The CHECK lets
-- ATTACH skip its scan for the partition bound.
CREATE TABLE {partition} (
    LIKE protein_go_annotation INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    CONSTRAINT {bound} CHECK (annotation_set_id = {set_id})
);

-- name: drop_repeated_lines
-- A later line equal to an earlier one in every stored column is a repeat: only the first stays.
-- :candidates limits the search to lines whose hash was seen before (NULL: consider every line).
DELETE FROM {partition} s
USING {partition} t
WHERE (CAST(:candidates AS bigint[]) IS NULL OR s.line_number = ANY(CAST(:candidates AS bigint[])))
  AND t.protein_accession = s.protein_accession AND t.go_term_id = s.go_term_id
  AND t.evidence_code = s.evidence_code AND t.line_number < s.line_number
  AND (t.go_id_as_given, t.qualifier, t.db_reference, t.with_from, t.aspect, t.assigned_by,
       t.annotation_date, t.extension, t.gene_product_form_id)
      IS NOT DISTINCT FROM
      (s.go_id_as_given, s.qualifier, s.db_reference, s.with_from, s.aspect, s.assigned_by,
       s.annotation_date, s.extension, s.gene_product_form_id);

-- name: drop_unknown_proteins
-- Lines whose protein is not in the catalog: removed, counted, with up to five examples.
WITH gone AS (
    DELETE FROM {partition} s
    WHERE NOT EXISTS (SELECT 1 FROM protein p WHERE p.accession = s.protein_accession)
    RETURNING s.protein_accession
)
SELECT count(*), (array_agg(DISTINCT protein_accession))[1:5] FROM gone;

-- name: count_rows
SELECT count(*) FROM {partition};

-- name: attach_partition
-- Attaching builds the partition's indexes in bulk and checks its foreign keys with one query each.
ALTER TABLE protein_go_annotation ATTACH PARTITION {partition} FOR VALUES IN ({set_id});

-- name: drop_bound
ALTER TABLE {partition} DROP CONSTRAINT {bound};

-- name: finish_set
UPDATE annotation_set
SET annotation_count = :annotations, skipped_count = :skipped, skipped_reasons = CAST(:reasons AS jsonb),
    gaf_version = :gaf_version
WHERE id = :id;

-- name: bulk_memory
SET LOCAL work_mem = '256MB';

-- name: bulk_index_memory
SET LOCAL maintenance_work_mem = '512MB';

-- name: list_sets
SELECT a.id, a.source, a.source_version, a.ontology_snapshot_id, o.obo_version, a.gaf_version, a.source_file,
       a.annotation_count, a.skipped_count, a.skipped_reasons, a.created_by, a.created_at, a.job_id
FROM annotation_set a JOIN ontology_snapshot o ON o.id = a.ontology_snapshot_id
ORDER BY a.created_at DESC, a.id DESC;

-- name: set_statistics
-- Two hash aggregations instead of count(DISTINCT …), which sorts every row of the set (1.45 s for the yeast GOA
-- in bench/pages.py, 0.17 s this way).
SELECT aspect, evidence_code, negated, sum(n)::bigint AS annotations, count(*) AS proteins
FROM (SELECT aspect, evidence_code, negated, protein_accession, count(*) AS n
      FROM protein_go_annotation WHERE annotation_set_id = :id
      GROUP BY aspect, evidence_code, negated, protein_accession) per_protein
GROUP BY aspect, evidence_code, negated ORDER BY aspect, evidence_code, negated;

-- name: protein_annotations
SELECT a.annotation_set_id, s.source, s.source_version, t.go_id, t.name, a.aspect, a.qualifier, a.negated,
       a.evidence_code, a.db_reference, a.with_from, a.assigned_by, a.annotation_date, a.go_id_as_given,
       t.is_obsolete
FROM protein_go_annotation a
JOIN annotation_set s ON s.id = a.annotation_set_id
JOIN go_term t ON t.id = a.go_term_id
WHERE a.protein_accession = :acc AND (CAST(:set_id AS int) IS NULL OR a.annotation_set_id = :set_id)
ORDER BY a.aspect, t.go_id, a.evidence_code, a.line_number;
