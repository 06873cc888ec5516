-- Named SQL blocks of services/evaluation/baselines.py (the Naive and homology baselines).

-- name: annotation_set_snapshot
SELECT ontology_snapshot_id FROM annotation_set WHERE id = :aset;

-- name: reference_annotations
-- Transferable annotations of a reference annotation set: evidence in the filter, not NOT-qualified, and the
-- (protein, term) pair not negated elsewhere in the set; one row per (protein, term).
WITH negated AS (
    SELECT protein_accession, go_term_id FROM protein_go_annotation WHERE annotation_set_id = :aset AND negated
)
SELECT DISTINCT ON (a.protein_accession, a.go_term_id)
    a.protein_accession, a.go_term_id, a.aspect, a.qualifier, a.evidence_code, p.sequence_id
FROM protein_go_annotation a
JOIN protein p ON p.accession = a.protein_accession
WHERE a.annotation_set_id = :aset AND NOT a.negated AND a.evidence_code = ANY(:codes)
  AND NOT EXISTS (
      SELECT 1 FROM negated n WHERE n.protein_accession = a.protein_accession AND n.go_term_id = a.go_term_id
  )
ORDER BY a.protein_accession, a.go_term_id, a.evidence_code;

-- name: snapshot_terms
SELECT id, aspect FROM go_term WHERE ontology_snapshot_id = :snap AND aspect IS NOT NULL AND NOT is_obsolete;

-- name: snapshot_edges
SELECT child_id, parent_id FROM go_term_relationship
WHERE ontology_snapshot_id = :snap AND relation_type = ANY(:rels);

-- name: insert_baseline_set
INSERT INTO prediction_set (embedding_config_id, annotation_set_id, ontology_snapshot_id, query_set_id, k, metric,
    distance_threshold, per_aspect, exclude_identical, evidence_codes, params, query_count, reference_count,
    prediction_count, job_id, created_by)
VALUES (NULL, :aset, :snap, :qs, :k, NULL, NULL, :per_aspect, :exclude_identical, :codes,
    CAST(:params AS jsonb), :nq, :nr, :np, :job, :by)
RETURNING id;
