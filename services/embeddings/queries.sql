-- SQL of the embeddings domain (named blocks, see services/db/sql_blocks.py).

-- ---------------------------------------------------------------------------------------------------------
-- What to embed (compute.py)
-- ---------------------------------------------------------------------------------------------------------

-- name: query_set_by_name
SELECT id FROM query_set WHERE name = :n;

-- name: query_set_sequences
SELECT DISTINCT sequence_id FROM query_set_entry WHERE query_set_id = :id;

-- name: annotation_set_exists
SELECT 1 FROM annotation_set WHERE id = :id;

-- name: annotation_set_sequences
SELECT DISTINCT p.sequence_id FROM protein p
WHERE p.accession IN (SELECT protein_accession FROM protein_go_annotation WHERE annotation_set_id = :id);

-- name: all_sequences
SELECT id FROM sequence;

-- name: missing_sequences
-- Those of :ids without vectors under the config, longest first.
SELECT s.id, s.length FROM sequence s
WHERE s.id = ANY(:ids)
  AND NOT EXISTS (SELECT 1 FROM sequence_embedding e WHERE e.sequence_id = s.id AND e.embedding_config_id = :cfg)
ORDER BY s.length DESC, s.id;

-- name: sequences_by_id
SELECT id, sequence FROM sequence WHERE id = ANY(:ids);

-- ---------------------------------------------------------------------------------------------------------
-- Storing a page of vectors (compute.py)
-- ---------------------------------------------------------------------------------------------------------

-- name: create_embedding_stage
CREATE TEMP TABLE IF NOT EXISTS embedding_stage (sequence_id int, chunk_index_s int,
                                                 chunk_index_e int, embedding vector, embedding_dim int)
    ON COMMIT DELETE ROWS;

-- name: insert_staged_embeddings
-- What another worker stored meanwhile is left alone (uq_sequence_embedding_chunk).
INSERT INTO sequence_embedding (sequence_id, embedding_config_id, chunk_index_s, chunk_index_e,
                                embedding, embedding_dim)
SELECT sequence_id, :cfg, chunk_index_s, chunk_index_e, embedding, embedding_dim FROM embedding_stage
ON CONFLICT ON CONSTRAINT uq_sequence_embedding_chunk DO NOTHING;
