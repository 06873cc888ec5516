-- SQL of the evaluation domain (named blocks, see services/db/sql_blocks.py).

-- name: annotation_set_by_id
SELECT a.id, a.ontology_snapshot_id, a.source, a.source_version FROM annotation_set a WHERE a.id = :id;

-- name: snapshot_terms
-- The live terms of the three GO namespaces (the evaluator's graph; obsolete terms have no edges).
SELECT t.id, t.go_id, t.aspect, t.alt_ids
FROM go_term t
WHERE t.ontology_snapshot_id = :s AND NOT t.is_obsolete AND t.aspect IS NOT NULL
ORDER BY t.id;

-- name: snapshot_edges
SELECT c.go_id, p.go_id
FROM go_term_relationship r
JOIN go_term c ON c.id = r.child_id
JOIN go_term p ON p.id = r.parent_id
WHERE r.ontology_snapshot_id = :s AND r.relation_type IN ('is_a', 'part_of')
  AND NOT c.is_obsolete AND NOT p.is_obsolete;

-- name: shared_proteins
-- How many proteins the two annotation sets have in common (any evidence): none means different proteomes.
SELECT count(*) FROM (
    SELECT DISTINCT protein_accession FROM protein_go_annotation WHERE annotation_set_id = :old
    INTERSECT
    SELECT DISTINCT protein_accession FROM protein_go_annotation WHERE annotation_set_id = :new
) shared;

-- name: term_mapping
-- Each given term row (of any snapshot) mapped to the live term of snapshot :dst that stands for it: the same
-- id, else the term listing it as an alt_id, else (obsolete) its replaced_by when there is exactly one; NULL
-- when none. The CASEs keep the alt-id and replaced_by look-ups for the terms that need them.
WITH used AS (
    SELECT DISTINCT go_term_id FROM unnest(CAST(:ids AS int[])) AS u(go_term_id)
), looked AS (
    SELECT u.go_term_id, src.go_id, src.replaced_by AS src_replaced_by, d.id AS direct_id,
           d.is_obsolete AS direct_obsolete, d.replaced_by AS direct_replaced_by
    FROM used u
    JOIN go_term src ON src.id = u.go_term_id
    LEFT JOIN go_term d ON d.ontology_snapshot_id = :dst AND d.go_id = src.go_id
), resolved AS (
    SELECT l.go_term_id, l.go_id,
           CASE WHEN l.direct_id IS NOT NULL AND NOT l.direct_obsolete THEN l.direct_id END AS same_id,
           CASE WHEN l.direct_id IS NULL OR l.direct_obsolete THEN
               (SELECT a.id FROM go_term a
                WHERE a.ontology_snapshot_id = :dst AND NOT a.is_obsolete AND a.alt_ids @> ARRAY[CAST(l.go_id AS text)]
                ORDER BY a.id LIMIT 1)
           END AS alt_id,
           CASE WHEN (l.direct_id IS NULL OR l.direct_obsolete)
                     AND cardinality(coalesce(l.direct_replaced_by, l.src_replaced_by)) = 1 THEN
               (SELECT r.id FROM go_term r
                WHERE r.ontology_snapshot_id = :dst AND NOT r.is_obsolete
                  AND r.go_id = (coalesce(l.direct_replaced_by, l.src_replaced_by))[1])
           END AS replaced_id
    FROM looked l
)
SELECT r.go_term_id, r.go_id, coalesce(r.same_id, r.alt_id, r.replaced_id) AS target_id,
       CASE WHEN r.same_id IS NOT NULL THEN 'same'
            WHEN r.alt_id IS NOT NULL THEN 'alt_id'
            WHEN r.replaced_id IS NOT NULL THEN 'replaced_by'
            ELSE 'unmapped' END AS how
FROM resolved r;

-- name: evidence_annotations
-- The annotations of a set with the chosen evidence codes: (protein, term row id, NOT?).
SELECT a.protein_accession, a.go_term_id, a.negated
FROM protein_go_annotation a
WHERE a.annotation_set_id = :set AND a.evidence_code = ANY(CAST(:codes AS text[]));

-- name: insert_evaluation_set
INSERT INTO evaluation_set (name, old_annotation_set_id, new_annotation_set_id, ontology_snapshot_id,
                            evidence_codes, stats, job_id, created_by)
VALUES (:name, :old, :new, :s, :codes, CAST(:stats AS jsonb), :job, :by)
RETURNING id;

-- name: update_evaluation_set_stats
UPDATE evaluation_set SET stats = CAST(:stats AS jsonb) WHERE id = :id;

-- name: ground_truth_counts
SELECT category, namespace, count(DISTINCT protein_accession) AS proteins, count(*) AS annotations
FROM evaluation_ground_truth WHERE evaluation_set_id = :id
GROUP BY category, namespace;

-- name: known_counts
SELECT namespace, count(DISTINCT protein_accession) AS proteins, count(*) AS annotations
FROM evaluation_known_term WHERE evaluation_set_id = :id
GROUP BY namespace;

-- name: annotation_terms
SELECT DISTINCT a.go_term_id
FROM protein_go_annotation a
WHERE a.annotation_set_id = :set AND a.evidence_code = ANY(CAST(:codes AS text[]));

-- name: insert_scoring_config
INSERT INTO scoring_config (name, formula, weights, evidence_weights, description, is_preset, created_by)
VALUES (:name, :formula, CAST(:weights AS jsonb), CAST(:evidence AS jsonb), :description, false, :by)
RETURNING *;

-- name: list_scoring_configs
SELECT * FROM scoring_config ORDER BY is_preset DESC, name;

-- name: scoring_config_by_name
SELECT * FROM scoring_config WHERE name = :name;

-- name: scoring_config_by_id
SELECT * FROM scoring_config WHERE id = :id;

-- name: insert_ia_set
INSERT INTO information_accretion_set (ontology_snapshot_id, name, source, annotation_set_id, source_file,
                                       term_count, stats, created_by)
VALUES (:s, :name, :source, :aset, :file, :n, CAST(:stats AS jsonb), :by)
RETURNING id;

-- name: ia_set_by_name
SELECT id, name, source, term_count FROM information_accretion_set WHERE ontology_snapshot_id = :s AND name = :name;

-- name: ia_set_by_id
SELECT id FROM information_accretion_set WHERE id = :id;

-- name: ia_values
SELECT go_id, ia FROM information_accretion WHERE information_accretion_set_id = :id;

-- name: list_ia_sets
SELECT id, ontology_snapshot_id, name, source, term_count FROM information_accretion_set
WHERE CAST(:s AS int) IS NULL OR ontology_snapshot_id = :s
ORDER BY created_at DESC, id DESC;

-- name: snapshot_go_ids
SELECT go_id FROM go_term WHERE ontology_snapshot_id = :s AND NOT is_obsolete;

-- name: evaluation_set_by_id
SELECT * FROM evaluation_set WHERE id = :id;

-- name: prediction_set_by_id
SELECT id, ontology_snapshot_id, metric, annotation_set_id, params FROM prediction_set WHERE id = :id;

-- name: ground_truth_rows
SELECT protein_accession, go_term_id, category FROM evaluation_ground_truth WHERE evaluation_set_id = :id;

-- name: known_rows
SELECT protein_accession, go_term_id FROM evaluation_known_term WHERE evaluation_set_id = :id;

-- name: prediction_rows
-- The stored predictions (and the features scoring configs read) for the evaluation set's proteins.
SELECT p.protein_accession, p.go_term_id, p.score, p.distance, p.identity_nw, p.identity_sw,
       p.neighbor_vote_fraction, p.taxonomic_distance, p.evidence_code
FROM go_prediction p
WHERE p.prediction_set_id = :p
  AND p.protein_accession IN (SELECT DISTINCT g.protein_accession FROM evaluation_ground_truth g
                              WHERE g.evaluation_set_id = :e);

-- name: insert_result
INSERT INTO evaluation_result (evaluation_set_id, prediction_set_id, scoring_config_id, reranker_id,
                               information_accretion_set_id, options, dropped, seconds, job_id, created_by)
VALUES (:e, :p, :c, :r, :ia, CAST(:options AS jsonb), CAST(:dropped AS jsonb), :seconds, :job, :by)
RETURNING id;

-- name: evaluation_set_snapshot
SELECT ontology_snapshot_id FROM evaluation_set WHERE id = :id;

-- name: list_evaluation_sets
SELECT e.id, e.name, e.old_annotation_set_id, e.new_annotation_set_id, e.ontology_snapshot_id,
       e.evidence_codes, e.stats, e.created_by, e.created_at,
       oa.source || ' ' || oa.source_version AS old_label, na.source || ' ' || na.source_version AS new_label,
       s.obo_version
FROM evaluation_set e
JOIN annotation_set oa ON oa.id = e.old_annotation_set_id
JOIN annotation_set na ON na.id = e.new_annotation_set_id
JOIN ontology_snapshot s ON s.id = e.ontology_snapshot_id
ORDER BY e.created_at DESC, e.id DESC;

-- name: ground_truth_download
SELECT g.protein_accession, t.go_id
FROM evaluation_ground_truth g JOIN go_term t ON t.id = g.go_term_id
WHERE g.evaluation_set_id = :id AND g.category = :category
ORDER BY g.protein_accession, t.go_id;

-- name: known_download
SELECT k.protein_accession, t.go_id
FROM evaluation_known_term k JOIN go_term t ON t.id = k.go_term_id
WHERE k.evaluation_set_id = :id
ORDER BY k.protein_accession, t.go_id;

-- name: delta_sequences
SELECT p.accession, p.protein_name, p.organism, s.sequence
FROM protein p JOIN sequence s ON s.id = p.sequence_id
WHERE p.accession IN (SELECT DISTINCT g.protein_accession FROM evaluation_ground_truth g
                      WHERE g.evaluation_set_id = :id)
ORDER BY p.accession;

-- name: annotation_set_choices
SELECT a.id, a.source, a.source_version, a.annotation_count, a.ontology_snapshot_id
FROM annotation_set a ORDER BY a.created_at DESC, a.id DESC;

-- name: prediction_set_choices
SELECT p.id, p.created_at, p.prediction_count, p.query_count, p.params, c.name AS config,
       a.source || ' ' || a.source_version AS reference
FROM prediction_set p
LEFT JOIN embedding_config c ON c.id = p.embedding_config_id
JOIN annotation_set a ON a.id = p.annotation_set_id
ORDER BY p.created_at DESC, p.id DESC;

-- name: results_of_set
SELECT r.id, r.prediction_set_id, r.created_at, r.created_by, r.seconds, r.reranker_id,
       sc.name AS scoring, ia.name AS ia_name, p.params, c.name AS config
FROM evaluation_result r
JOIN prediction_set p ON p.id = r.prediction_set_id
LEFT JOIN embedding_config c ON c.id = p.embedding_config_id
LEFT JOIN scoring_config sc ON sc.id = r.scoring_config_id
LEFT JOIN information_accretion_set ia ON ia.id = r.information_accretion_set_id
WHERE r.evaluation_set_id = :id
ORDER BY r.created_at DESC, r.id DESC;

-- name: best_rows
SELECT category, namespace, metric, tau, n, tp, fp, fn, pr, rc, cov, f, s, f_micro, pr_w, rc_w, f_w, f_micro_w
FROM evaluation_best_row WHERE evaluation_result_id = :id
ORDER BY category, namespace, metric;

-- name: curve_points
SELECT category, namespace, tau, n, pr, rc, cov, f, s, f_micro, pr_w, rc_w, f_w, f_micro_w
FROM evaluation_curve_point WHERE evaluation_result_id = :id
ORDER BY category, namespace, tau;

-- name: predicted_delta_proteins
SELECT count(DISTINCT p.protein_accession)
FROM go_prediction p
WHERE p.prediction_set_id = :p
  AND p.protein_accession IN (SELECT DISTINCT g.protein_accession FROM evaluation_ground_truth g
                              WHERE g.evaluation_set_id = :e);

-- name: snapshot_identity
SELECT content_hash, term_count, relationship_count FROM ontology_snapshot WHERE id = :s;

-- name: prediction_features
SELECT ps.metric, p.score, p.distance, p.identity_nw, p.identity_sw, p.neighbor_vote_fraction,
       p.taxonomic_distance, p.evidence_code, t.go_id, t.name
FROM go_prediction p
JOIN prediction_set ps ON ps.id = p.prediction_set_id
JOIN go_term t ON t.id = p.go_term_id
WHERE p.prediction_set_id = :p AND p.protein_accession = :acc AND t.go_id = :go;

-- name: predicted_proteins
SELECT DISTINCT protein_accession FROM go_prediction WHERE prediction_set_id = :p
ORDER BY protein_accession LIMIT :limit;

-- name: predicted_terms
SELECT t.go_id, t.name, p.score
FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id
WHERE p.prediction_set_id = :p AND p.protein_accession = :acc
ORDER BY p.score DESC, t.go_id;

-- name: snapshot_choices
SELECT id, obo_version, term_count FROM ontology_snapshot ORDER BY loaded_at DESC, id DESC;
