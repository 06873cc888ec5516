-- SQL of the re-ranking domain (named blocks, see services/db/sql_blocks.py).

-- name: prediction_set_by_id
SELECT id, embedding_config_id, annotation_set_id, ontology_snapshot_id, k, metric, per_aspect,
       evidence_codes, params
FROM prediction_set WHERE id = :id;

-- name: neighbour_rows
-- The set's neighbour lists as one row of columns (services/db/pg_columns.py read_columns: text as bytes and
-- lengths, numbers as arrays that are never NULL).
SELECT string_agg(convert_to(n.protein_accession, 'UTF8'), ''::bytea) AS protein_accession__bytes,
       array_agg(COALESCE(octet_length(n.protein_accession), -1)) AS protein_accession__lengths,
       string_agg(convert_to(n.aspect, 'UTF8'), ''::bytea) AS aspect__bytes,
       array_agg(COALESCE(octet_length(n.aspect), -1)) AS aspect__lengths,
       string_agg(convert_to(n.ref_protein_accession, 'UTF8'), ''::bytea) AS ref_protein_accession__bytes,
       array_agg(COALESCE(octet_length(n.ref_protein_accession), -1)) AS ref_protein_accession__lengths,
       array_agg(COALESCE(rp.taxonomy_id::float8, 'NaN')) AS ref_taxonomy_id
FROM prediction_neighbor n
LEFT JOIN protein rp ON rp.accession = n.ref_protein_accession
WHERE n.prediction_set_id = :p;

-- name: neighbour_terms
-- The transferable annotations of the given reference proteins (as reference.load_reference reads them).
WITH negated AS (
    SELECT protein_accession, go_term_id FROM protein_go_annotation
    WHERE annotation_set_id = :aset AND negated AND protein_accession = ANY(:refs)
)
SELECT DISTINCT a.protein_accession, a.go_term_id, a.aspect
FROM protein_go_annotation a
WHERE a.annotation_set_id = :aset AND NOT a.negated AND a.evidence_code = ANY(:codes)
  AND a.protein_accession = ANY(:refs)
  AND NOT EXISTS (SELECT 1 FROM negated n WHERE n.protein_accession = a.protein_accession
                  AND n.go_term_id = a.go_term_id);

-- name: pca_of_config
SELECT n_components, dimension, mean, components, explained_variance_ratio, sample_count
FROM embedding_pca WHERE embedding_config_id = :cfg;

-- name: embedded_sequences
SELECT DISTINCT sequence_id FROM sequence_embedding WHERE embedding_config_id = :cfg ORDER BY sequence_id;

-- name: insert_pca
INSERT INTO embedding_pca (embedding_config_id, n_components, dimension, mean, components,
                           explained_variance_ratio, sample_count)
VALUES (:cfg, :n, :dim, :mean, :components, :evr, :samples)
ON CONFLICT (embedding_config_id) DO NOTHING;

-- name: dataset_by_name
SELECT * FROM dataset WHERE name = :name;

-- name: dataset_by_id
SELECT * FROM dataset WHERE id = :id;

-- name: list_datasets
SELECT d.*, c.name AS embedding_config
FROM dataset d JOIN embedding_config c ON c.id = d.embedding_config_id
ORDER BY d.created_at DESC, d.id DESC;

-- name: insert_dataset
INSERT INTO dataset (name, embedding_config_id, ontology_snapshot_id, k, families, schema_sha, manifest_sha,
                     manifest_uri, train_uri, eval_uri, train_rows, eval_rows, spec, stats, job_id, created_by)
VALUES (:name, :cfg, :snap, :k, :families, :schema_sha, :manifest_sha, :manifest_uri, :train_uri, :eval_uri,
        :train_rows, :eval_rows, CAST(:spec AS jsonb), CAST(:stats AS jsonb), :job, :by)
RETURNING id;

-- name: delete_dataset
DELETE FROM dataset WHERE id = :id;

-- name: annotation_set_info
SELECT a.id, a.source, a.source_version, a.ontology_snapshot_id, s.obo_version, s.content_hash
FROM annotation_set a JOIN ontology_snapshot s ON s.id = a.ontology_snapshot_id
WHERE a.id = :id;

-- name: query_aspects
-- The aspects in which each query already has transferable annotations in the reference set (NK/LK/PK).
SELECT DISTINCT protein_accession, aspect FROM protein_go_annotation
WHERE annotation_set_id = :aset AND NOT negated AND evidence_code = ANY(:codes)
  AND protein_accession = ANY(:acc);

-- name: proteins_with_vectors
SELECT p.accession FROM protein p
WHERE p.accession = ANY(:acc)
  AND EXISTS (SELECT 1 FROM sequence_embedding e WHERE e.sequence_id = p.sequence_id
              AND e.embedding_config_id = :cfg)
ORDER BY p.accession;

-- name: reranker_by_name
SELECT * FROM reranker_model WHERE name = :name;

-- name: reranker_by_id
SELECT * FROM reranker_model WHERE id = :id;

-- name: list_rerankers
SELECT r.*, d.name AS dataset_name
FROM reranker_model r LEFT JOIN dataset d ON d.id = r.dataset_id
ORDER BY r.created_at DESC, r.id DESC;

-- name: insert_reranker
INSERT INTO reranker_model (name, source, dataset_id, objective, families, feature_schema_sha, feature_names,
                            artifact_uri, card, job_id, created_by)
VALUES (:name, :source, :dataset, :objective, :families, :sha, :names, :uri, CAST(:card AS jsonb), :job, :by)
RETURNING id;

-- name: delete_reranked
DELETE FROM reranked_score WHERE prediction_set_id = :p AND reranker_id = :r;

-- name: reranked_sets
-- Which prediction sets each re-ranker scored, and how many predictions.
SELECT r.prediction_set_id, cardinality(r.go_prediction_ids) AS predictions, s.min_score, s.max_score
FROM reranked_score r
CROSS JOIN LATERAL (SELECT min(u) AS min_score, max(u) AS max_score FROM unnest(r.scores) AS u) s
WHERE r.reranker_id = :r
ORDER BY r.prediction_set_id;

-- name: reranker_results
SELECT e.id, e.evaluation_set_id, e.prediction_set_id, e.created_at
FROM evaluation_result e WHERE e.reranker_id = :r ORDER BY e.id;

-- name: reranked_rows
-- Re-ranked scores of a prediction set's predictions for the evaluation set's proteins.
SELECT p.protein_accession AS target, p.go_term_id, u.score
FROM reranked_score r
CROSS JOIN LATERAL unnest(r.go_prediction_ids, r.scores) AS u(go_prediction_id, score)
JOIN go_prediction p ON p.id = u.go_prediction_id
WHERE r.prediction_set_id = :p AND r.reranker_id = :r
  AND p.protein_accession IN (SELECT DISTINCT protein_accession FROM evaluation_ground_truth
                              WHERE evaluation_set_id = :e);

-- name: insert_evaluation_result
-- An evaluation result of re-ranked scores (the evaluation package's table; reranker_id names the model).
INSERT INTO evaluation_result (evaluation_set_id, prediction_set_id, scoring_config_id, reranker_id,
                               information_accretion_set_id, options, dropped, seconds, job_id, created_by)
VALUES (:e, :p, NULL, :r, :ia, CAST(:options AS jsonb), CAST(:dropped AS jsonb), :seconds, :job, :by)
RETURNING id;

-- name: has_reranked
SELECT COALESCE(sum(cardinality(go_prediction_ids)), 0) FROM reranked_score
WHERE prediction_set_id = :p AND reranker_id = :r;

-- name: config_names
SELECT name FROM embedding_config ORDER BY name;

-- name: annotation_set_labels
SELECT a.id, a.source, a.source_version FROM annotation_set a ORDER BY a.id;

-- name: prediction_set_labels
SELECT p.id, c.name AS config, p.prediction_count, p.created_at
FROM prediction_set p LEFT JOIN embedding_config c ON c.id = p.embedding_config_id
ORDER BY p.id DESC LIMIT 500;
