-- SQL of the re-ranking domain (named blocks, see services/db/sql_blocks.py).

-- name: prediction_set_by_id
SELECT id, embedding_config_id, annotation_set_id, ontology_snapshot_id, k, metric, per_aspect,
       evidence_codes, params
FROM prediction_set WHERE id = :id;

-- name: prediction_numbers
-- The stored predictions' numeric columns, every one a float8 that is never NULL (NULL → NaN) except the two
-- ids (bigint, NOT NULL): read with COPY … TO STDOUT (FORMAT binary), every row has the same byte layout, so
-- numpy reads the stream as one structured array. Query taxon from the catalog when the run had no taxdump.
-- Same rows and order as prediction_texts (the unique index's order). {p}: a psycopg Literal of the set id.
SELECT p.id AS go_prediction_id, p.go_term_id::bigint AS go_term_id,
       COALESCE(p.query_sequence_id::float8, 'NaN') AS query_sequence_id,
       COALESCE(p.distance::float8, 'NaN') AS distance, COALESCE(p.score::float8, 'NaN') AS knn_score,
       COALESCE(p.identity_nw::float8, 'NaN') AS identity_nw, COALESCE(p.similarity_nw::float8, 'NaN') AS similarity_nw,
       COALESCE(p.alignment_score_nw::float8, 'NaN') AS alignment_score_nw,
       COALESCE(p.gaps_pct_nw::float8, 'NaN') AS gaps_pct_nw,
       COALESCE(p.alignment_length_nw::float8, 'NaN') AS alignment_length_nw,
       COALESCE(p.identity_sw::float8, 'NaN') AS identity_sw, COALESCE(p.similarity_sw::float8, 'NaN') AS similarity_sw,
       COALESCE(p.alignment_score_sw::float8, 'NaN') AS alignment_score_sw,
       COALESCE(p.gaps_pct_sw::float8, 'NaN') AS gaps_pct_sw,
       COALESCE(p.alignment_length_sw::float8, 'NaN') AS alignment_length_sw,
       COALESCE(p.length_query::float8, 'NaN') AS length_query, COALESCE(p.length_ref::float8, 'NaN') AS length_ref,
       COALESCE(COALESCE(p.query_taxonomy_id, qp.taxonomy_id)::float8, 'NaN') AS query_taxonomy_id,
       COALESCE(COALESCE(p.ref_taxonomy_id, rp.taxonomy_id)::float8, 'NaN') AS ref_taxonomy_id,
       COALESCE(p.taxonomic_distance::float8, 'NaN') AS taxonomic_distance,
       COALESCE(p.taxonomic_common_ancestors::float8, 'NaN') AS taxonomic_common_ancestors,
       COALESCE(p.vote_count::float8, 'NaN') AS vote_count, COALESCE(p.k_position::float8, 'NaN') AS k_position,
       COALESCE(p.go_term_frequency::float8, 'NaN') AS go_term_frequency,
       COALESCE(p.ref_annotation_density::float8, 'NaN') AS ref_annotation_density,
       COALESCE(p.neighbor_distance_std::float8, 'NaN') AS neighbor_distance_std,
       COALESCE(p.neighbor_vote_fraction::float8, 'NaN') AS neighbor_vote_fraction,
       COALESCE(p.neighbor_min_distance::float8, 'NaN') AS neighbor_min_distance,
       COALESCE(p.neighbor_mean_distance::float8, 'NaN') AS neighbor_mean_distance
FROM go_prediction p
LEFT JOIN protein qp ON qp.accession = p.protein_accession
LEFT JOIN protein rp ON rp.accession = p.ref_protein_accession
WHERE p.prediction_set_id = {p}
ORDER BY p.protein_accession, p.go_term_id;

-- name: prediction_texts
-- The stored predictions' text columns as one row of columns (services/db/pg_columns.py read_columns: text as
-- bytes and lengths); the ids check the pairing with prediction_numbers row by row.
SELECT array_agg(q.go_prediction_id) AS go_prediction_id,
       string_agg(convert_to(q.protein_accession, 'UTF8'), ''::bytea) AS protein_accession__bytes,
       array_agg(COALESCE(octet_length(q.protein_accession), -1)) AS protein_accession__lengths,
       string_agg(convert_to(q.go_id, 'UTF8'), ''::bytea) AS go_id__bytes,
       array_agg(COALESCE(octet_length(q.go_id), -1)) AS go_id__lengths,
       string_agg(convert_to(q.aspect, 'UTF8'), ''::bytea) AS aspect__bytes,
       array_agg(COALESCE(octet_length(q.aspect), -1)) AS aspect__lengths,
       string_agg(convert_to(q.qualifier, 'UTF8'), ''::bytea) AS qualifier__bytes,
       array_agg(COALESCE(octet_length(q.qualifier), -1)) AS qualifier__lengths,
       string_agg(convert_to(q.evidence_code, 'UTF8'), ''::bytea) AS evidence_code__bytes,
       array_agg(COALESCE(octet_length(q.evidence_code), -1)) AS evidence_code__lengths,
       string_agg(convert_to(q.taxonomic_relation, 'UTF8'), ''::bytea) AS taxonomic_relation__bytes,
       array_agg(COALESCE(octet_length(q.taxonomic_relation), -1)) AS taxonomic_relation__lengths
FROM (SELECT p.id AS go_prediction_id, p.protein_accession, t.go_id, p.aspect, p.qualifier, p.evidence_code,
             p.taxonomic_relation
      FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id
      WHERE p.prediction_set_id = :p ORDER BY p.protein_accession, p.go_term_id) AS q;

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

-- name: describe_query
-- A composed query's result columns and types, without running it (features._prediction_rows).
SELECT * FROM ({query}) AS q LIMIT 0;

-- name: copy_binary_out
-- Wraps a composed query for psycopg's copy: PostgreSQL's binary COPY format (features._prediction_rows).
COPY ({query}) TO STDOUT WITH (FORMAT binary);
