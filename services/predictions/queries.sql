-- SQL of the predictions domain (named blocks, see services/db/sql_blocks.py).

-- ---------------------------------------------------------------------------------------------------------
-- A prediction run's inputs (reference.py, predict.py)
-- ---------------------------------------------------------------------------------------------------------

-- name: snapshot_of_annotation_set
SELECT ontology_snapshot_id FROM annotation_set WHERE id = :id;

-- name: reference_annotations
-- The transferable annotations of the set's embedded proteins: not NOT-qualified, evidence in the filter, no
-- NOT annotation of the same (protein, term) in the set, and a vector under the config; one row per pair.
WITH negated AS (SELECT protein_accession, go_term_id FROM protein_go_annotation
                 WHERE annotation_set_id = :aset AND negated)
SELECT DISTINCT ON (a.protein_accession, a.go_term_id) a.protein_accession, a.go_term_id,
       a.aspect, a.qualifier, a.evidence_code, p.sequence_id, p.taxonomy_id
FROM protein_go_annotation a JOIN protein p ON p.accession = a.protein_accession
WHERE a.annotation_set_id = :aset AND NOT a.negated AND a.evidence_code = ANY(:codes)
  AND NOT EXISTS (SELECT 1 FROM negated n WHERE n.protein_accession = a.protein_accession
                  AND n.go_term_id = a.go_term_id)
  AND EXISTS (SELECT 1 FROM sequence_embedding e WHERE e.sequence_id = p.sequence_id
              AND e.embedding_config_id = :cfg)
ORDER BY a.protein_accession, a.go_term_id, a.evidence_code;

-- name: query_set_by_name
SELECT id FROM query_set WHERE name = :n;

-- name: query_set_entries
SELECT accession, sequence_id, header FROM query_set_entry WHERE query_set_id = :q ORDER BY position;

-- name: proteins_by_accession
SELECT accession, sequence_id, taxonomy_id FROM protein WHERE accession = ANY(:a);

-- name: sequence_vectors
-- Run on the psycopg connection (binary pgvector rows), so its parameters are in psycopg's named style.
SELECT sequence_id, embedding FROM sequence_embedding
WHERE embedding_config_id = %(cfg)s AND sequence_id = ANY(%(ids)s);

-- name: sequences_by_id
SELECT id, sequence FROM sequence WHERE id = ANY(:ids);

-- name: insert_prediction_set
INSERT INTO prediction_set (embedding_config_id, annotation_set_id, ontology_snapshot_id,
                            query_set_id, k, metric, distance_threshold, per_aspect, exclude_identical, evidence_codes,
                            params, query_count, reference_count, prediction_count, job_id, created_by)
VALUES (:cfg, :aset, :snap, :qs, :k, :metric, :thr, :pa, :ei, :codes, CAST(:params AS jsonb),
        :nq, :nr, :np, :job, :by)
RETURNING id;

-- ---------------------------------------------------------------------------------------------------------
-- Reading prediction sets (browse.py)
-- ---------------------------------------------------------------------------------------------------------

-- name: list_prediction_sets
SELECT ps.id, coalesce(c.name, (ps.params->>'method') || ' baseline'), ps.annotation_set_id,
       a.source || ' ' || a.source_version,
       ps.ontology_snapshot_id, q.name, ps.k, ps.metric, ps.per_aspect, ps.evidence_codes, ps.query_count,
       ps.prediction_count, ps.created_by, ps.created_at, c.model_backend
FROM prediction_set ps
LEFT JOIN embedding_config c ON c.id = ps.embedding_config_id
JOIN annotation_set a ON a.id = ps.annotation_set_id
LEFT JOIN query_set q ON q.id = ps.query_set_id
ORDER BY ps.id DESC LIMIT :l;

-- name: prediction_set
-- The same columns as list_prediction_sets, for one set.
SELECT ps.id, coalesce(c.name, (ps.params->>'method') || ' baseline'), ps.annotation_set_id,
       a.source || ' ' || a.source_version,
       ps.ontology_snapshot_id, q.name, ps.k, ps.metric, ps.per_aspect, ps.evidence_codes, ps.query_count,
       ps.prediction_count, ps.created_by, ps.created_at, c.model_backend
FROM prediction_set ps
LEFT JOIN embedding_config c ON c.id = ps.embedding_config_id
JOIN annotation_set a ON a.id = ps.annotation_set_id
LEFT JOIN query_set q ON q.id = ps.query_set_id
WHERE ps.id = :i;

-- name: query_accessions
SELECT protein_accession AS accession, count(*) AS predictions, max(score) AS best_score
FROM go_prediction WHERE prediction_set_id = :s GROUP BY protein_accession ORDER BY 1;

-- name: predicted_terms
SELECT t.go_id, t.name, p.aspect, p.score, p.distance, p.ref_protein_accession AS reference,
       p.evidence_code AS evidence, p.vote_count AS votes, p.k_position, p.identity_nw, p.identity_sw,
       p.taxonomic_relation, p.go_term_id
FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id
WHERE p.prediction_set_id = :s AND p.protein_accession = :a AND p.score >= :min
  AND (CAST(:aspects AS text[]) IS NULL OR p.aspect = ANY(CAST(:aspects AS text[])))
  AND (CAST(:maxd AS float8) IS NULL OR p.distance <= CAST(:maxd AS float8))
ORDER BY p.score DESC, t.go_id;

-- name: known_terms
SELECT DISTINCT t.go_id, t.name, a.aspect, a.evidence_code AS evidence, a.qualifier, a.go_term_id
FROM protein_go_annotation a JOIN go_term t ON t.id = a.go_term_id
WHERE a.annotation_set_id = :aset AND a.protein_accession = ANY(:acc)
ORDER BY a.aspect, t.go_id;

-- name: term_neighbours
SELECT n.aspect AS search, n.rank, n.ref_protein_accession AS reference, n.distance,
       EXISTS (SELECT 1 FROM protein_go_annotation a WHERE a.annotation_set_id = :aset
               AND a.protein_accession = n.ref_protein_accession AND a.go_term_id = :term AND NOT a.negated
               AND a.evidence_code = ANY(:codes)) AS carries_term
FROM prediction_neighbor n WHERE n.prediction_set_id = :s AND n.protein_accession = :acc
ORDER BY n.aspect, n.rank;

-- name: term_graph_edges
-- The is_a/part_of edges above the seed terms in the snapshot.
WITH RECURSIVE up(id) AS (
    SELECT unnest(CAST(:seeds AS int[]))
    UNION
    SELECT r.parent_id FROM go_term_relationship r JOIN up ON r.child_id = up.id
    WHERE r.relation_type IN ('is_a', 'part_of') AND r.ontology_snapshot_id = :snap
)
SELECT r.child_id, r.parent_id, r.relation_type FROM go_term_relationship r
WHERE r.child_id IN (SELECT id FROM up) AND r.relation_type IN ('is_a', 'part_of')
  AND r.ontology_snapshot_id = :snap;

-- name: term_graph_nodes
SELECT id AS go_term_id, go_id, name, aspect FROM go_term WHERE id = ANY(:ids) ORDER BY go_id;

-- name: prediction_tsv
SELECT p.protein_accession AS query, t.go_id, p.aspect, round(p.score::numeric, 4) AS score,
       round(p.distance::numeric, 6) AS distance, p.ref_protein_accession AS reference,
       p.evidence_code, p.vote_count, p.k_position, p.identity_nw, p.identity_sw, p.taxonomic_relation
FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id WHERE p.prediction_set_id = :s
ORDER BY p.protein_accession, p.score DESC, t.go_id;

-- name: embedding_config_names
SELECT name FROM embedding_config ORDER BY name;

-- name: annotation_set_labels
SELECT id, source, source_version FROM annotation_set ORDER BY id DESC;

-- name: query_set_names
SELECT name FROM query_set ORDER BY name;

-- ---------------------------------------------------------------------------------------------------------
-- The columnar copy of a set's stored predictions (columns.py)
-- ---------------------------------------------------------------------------------------------------------

-- name: stored_numbers
-- The stored predictions' numeric columns as stored (no catalog look-up), every one a float8 that is never NULL
-- (NULL → NaN) except the two ids (bigint, NOT NULL): read with COPY … TO STDOUT (FORMAT binary), every row has
-- the same byte layout, so numpy reads the stream as one structured array. Same rows and order as stored_texts
-- (the order of uq_go_prediction_term). {p}: a psycopg Literal of the set id.
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
       COALESCE(p.query_taxonomy_id::float8, 'NaN') AS query_taxonomy_id,
       COALESCE(p.ref_taxonomy_id::float8, 'NaN') AS ref_taxonomy_id,
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
WHERE p.prediction_set_id = {p}
ORDER BY p.protein_accession, p.go_term_id;

-- name: stored_texts
-- The stored predictions' text columns as one row of columns (services/db/pg_columns.py read_columns: text as
-- bytes and lengths); the ids check the pairing with stored_numbers row by row.
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
       array_agg(COALESCE(octet_length(q.taxonomic_relation), -1)) AS taxonomic_relation__lengths,
       string_agg(convert_to(q.ref_protein_accession, 'UTF8'), ''::bytea) AS ref_protein_accession__bytes,
       array_agg(COALESCE(octet_length(q.ref_protein_accession), -1)) AS ref_protein_accession__lengths
FROM (SELECT p.id AS go_prediction_id, p.protein_accession, t.go_id, p.aspect, p.qualifier, p.evidence_code,
             p.taxonomic_relation, p.ref_protein_accession
      FROM go_prediction p JOIN go_term t ON t.id = p.go_term_id
      WHERE p.prediction_set_id = :p ORDER BY p.protein_accession, p.go_term_id) AS q;

-- name: describe_query
-- A composed query's result columns and types, without running it (columns.stored_rows).
SELECT * FROM ({query}) AS q LIMIT 0;

-- name: copy_binary_out
-- Wraps a composed query for psycopg's copy: PostgreSQL's binary COPY format (columns.stored_rows).
COPY ({query}) TO STDOUT WITH (FORMAT binary);

-- name: columnar_parts
-- Run on the psycopg connection in binary (the blobs as bytes, no hex text), so psycopg's named style.
SELECT part, rows, data FROM prediction_set_columns WHERE prediction_set_id = %(p)s ORDER BY part;

-- name: insert_columnar_part
-- A copy built by two transactions at once is the same bytes: the second one keeps the first one's.
INSERT INTO prediction_set_columns (prediction_set_id, part, rows, data)
VALUES (%(p)s, %(part)s, %(rows)s, %(data)s)
ON CONFLICT (prediction_set_id, part) DO NOTHING;

-- name: catalog_taxa
-- The protein catalog's taxon of the given accessions (the fallback of a prediction without a stored taxon).
SELECT accession, taxonomy_id FROM protein WHERE accession = ANY(:a) AND taxonomy_id IS NOT NULL;
