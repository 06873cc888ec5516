-- SQL of the experiments domain (named blocks, see services/db/sql_blocks.py).

-- name: run_rows
-- Every run with its latest linked evaluation result (the one its headline and grid come from).
SELECT r.id, r.name, r.status, r.tags, r.plm, r.k, r.hypothesis, r.created_by, r.created_at, r.started_at,
       r.finished_at, r.axis_tuple_shortid, r.rerun_of_id,
       latest.evaluation_result_id, latest.evaluation_set_id,
       coalesce(es.name, 'evaluation set ' || es.id) AS evaluation_set_label
FROM experiment_run r
LEFT JOIN LATERAL (
    SELECT l.evaluation_result_id, er.evaluation_set_id
    FROM experiment_link l JOIN evaluation_result er ON er.id = l.evaluation_result_id
    WHERE l.experiment_run_id = r.id AND l.kind = 'evaluation_result'
    ORDER BY l.evaluation_result_id DESC
    LIMIT 1
) latest ON true
LEFT JOIN evaluation_set es ON es.id = latest.evaluation_set_id
ORDER BY r.created_at DESC, r.id DESC;

-- name: headline_cells
-- Fmax (and weighted F when IA was used) of every category × namespace of the given results.
SELECT b.evaluation_result_id, b.category, b.namespace, b.f, b.n
FROM evaluation_best_row b
WHERE b.evaluation_result_id = ANY(:ids) AND b.metric = 'f';

-- name: links_of_run
SELECT l.id, l.kind, l.job_id, l.prediction_set_id, l.evaluation_result_id, l.ref_name, l.created_by,
       l.created_at,
       j.operation AS job_operation, j.status AS job_status, j.description AS job_description,
       ps.k AS ps_k, ps.metric AS ps_metric, ps.params->>'method' AS ps_method, ec.name AS ps_embedding,
       er.evaluation_set_id AS er_set_id, er.prediction_set_id AS er_prediction_set_id,
       coalesce(es.name, 'evaluation set ' || es.id) AS er_set_label
FROM experiment_link l
LEFT JOIN job j ON j.id = l.job_id
LEFT JOIN prediction_set ps ON ps.id = l.prediction_set_id
LEFT JOIN embedding_config ec ON ec.id = ps.embedding_config_id
LEFT JOIN evaluation_result er ON er.id = l.evaluation_result_id
LEFT JOIN evaluation_set es ON es.id = er.evaluation_set_id
WHERE l.experiment_run_id = :run
ORDER BY l.kind, l.created_at, l.id;

-- name: evaluation_result_exists
SELECT er.id, er.evaluation_set_id, er.prediction_set_id FROM evaluation_result er WHERE er.id = :id;

-- name: prediction_set_exists
SELECT id FROM prediction_set WHERE id = :id;

-- name: run_job_payloads
-- The jobs of a run, oldest first (what a re-run submits again).
SELECT j.operation, j.payload, j.description, j.tags
FROM experiment_link l JOIN job j ON j.id = l.job_id
WHERE l.experiment_run_id = :run
ORDER BY j.created_at, j.id;

-- name: provenance_prediction_sets
SELECT ps.id, ps.k, ps.metric, ps.params, ps.annotation_set_id, ps.ontology_snapshot_id,
       ec.id AS embedding_config_id, ec.name AS embedding_name, ec.model_name,
       to_jsonb(ec) - 'id' - 'created_at' - 'created_by' AS embedding_row
FROM prediction_set ps
LEFT JOIN embedding_config ec ON ec.id = ps.embedding_config_id
WHERE ps.id = ANY(:ids)
ORDER BY ps.id;

-- name: provenance_evaluation_results
SELECT er.id, er.evaluation_set_id, er.prediction_set_id, er.scoring_config_id, er.information_accretion_set_id,
       er.options, es.name AS set_name, es.old_annotation_set_id, es.new_annotation_set_id,
       es.ontology_snapshot_id, es.evidence_codes
FROM evaluation_result er JOIN evaluation_set es ON es.id = er.evaluation_set_id
WHERE er.id = ANY(:ids)
ORDER BY er.id;

-- name: annotation_set_fingerprint
-- The content hash of an annotation set: md5 over its (protein, term, evidence, negated) rows in a fixed order.
SELECT a.id, a.source, a.source_version, a.annotation_count, a.ontology_snapshot_id,
       (SELECT md5(string_agg(p.protein_accession || ':' || p.go_term_id || ':' || p.evidence_code || ':'
                              || p.negated::text, ',' ORDER BY p.protein_accession, p.go_term_id, p.evidence_code,
                              p.negated))
        FROM protein_go_annotation p WHERE p.annotation_set_id = a.id) AS content_hash
FROM annotation_set a WHERE a.id = :id;

-- name: snapshot_fingerprint
SELECT id, content_hash FROM ontology_snapshot WHERE id = :id;

-- name: evaluation_set_fingerprint
-- The content hash of an evaluation set: md5 over its ground truth and known terms in a fixed order.
SELECT md5(coalesce((SELECT string_agg(g.protein_accession || ':' || g.go_term_id || ':' || g.category, ','
                                        ORDER BY g.protein_accession, g.go_term_id)
                     FROM evaluation_ground_truth g WHERE g.evaluation_set_id = :id), '')
           || '|' ||
           coalesce((SELECT string_agg(k.protein_accession || ':' || k.go_term_id, ','
                                        ORDER BY k.protein_accession, k.go_term_id)
                     FROM evaluation_known_term k WHERE k.evaluation_set_id = :id), ''));

-- name: result_inputs
-- What re-computing a stored result needs: its sets, scoring config, IA table and options.
SELECT er.id, er.evaluation_set_id, er.prediction_set_id, er.scoring_config_id, er.information_accretion_set_id,
       er.options, coalesce(es.name, 'evaluation set ' || es.id) AS set_label
FROM evaluation_result er JOIN evaluation_set es ON es.id = er.evaluation_set_id
WHERE er.id = :id;

-- name: curves_of_results
SELECT c.evaluation_result_id, c.category, c.namespace, c.tau, c.pr, c.rc, c.f, c.pr_w, c.rc_w, c.f_w
FROM evaluation_curve_point c
WHERE c.evaluation_result_id = ANY(:ids)
ORDER BY c.evaluation_result_id, c.category, c.namespace, c.tau;

-- name: best_rows_of_results
SELECT b.evaluation_result_id, b.category, b.namespace, b.metric, b.tau, b.n, b.pr, b.rc, b.cov, b.f, b.f_w
FROM evaluation_best_row b
WHERE b.evaluation_result_id = ANY(:ids) AND b.metric IN ('f', 'f_w');

-- name: evaluation_result_choices
SELECT er.id, er.prediction_set_id, coalesce(es.name, 'evaluation set ' || es.id) AS set_label, er.created_at,
       (er.information_accretion_set_id IS NOT NULL) AS weighted
FROM evaluation_result er JOIN evaluation_set es ON es.id = er.evaluation_set_id
ORDER BY er.id DESC;
