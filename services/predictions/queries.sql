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
