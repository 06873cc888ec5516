-- SQL of the ontology domain (named blocks, see services/db/sql_blocks.py).

-- name: snapshot_by_hash
SELECT id FROM ontology_snapshot WHERE content_hash = :h;

-- name: insert_snapshot
INSERT INTO ontology_snapshot (obo_version, format_version, ontology, content_hash, source_file,
                               term_count, obsolete_count, relationship_count, loaded_by)
VALUES (:v, :f, :o, :h, :s, 0, 0, 0, :u)
RETURNING id;

-- name: create_edge_stage
CREATE TEMP TABLE obo_edge_stage (child text, parent text, relation_type text) ON COMMIT DROP;

-- name: insert_staged_edges
-- Edges the snapshot lacks (a reload backfills only what is missing).
INSERT INTO go_term_relationship (ontology_snapshot_id, child_id, parent_id, relation_type)
SELECT :s, c.id, p.id, e.relation_type
FROM obo_edge_stage e
JOIN go_term c ON c.ontology_snapshot_id = :s AND c.go_id = e.child
JOIN go_term p ON p.ontology_snapshot_id = :s AND p.go_id = e.parent
WHERE c.id <> p.id
ON CONFLICT (child_id, parent_id, relation_type) DO NOTHING;

-- name: drop_edge_stage
DROP TABLE obo_edge_stage;

-- name: refresh_snapshot_counts
UPDATE ontology_snapshot s SET
    term_count = (SELECT count(*) FROM go_term WHERE ontology_snapshot_id = s.id),
    obsolete_count = (SELECT count(*) FROM go_term WHERE ontology_snapshot_id = s.id AND is_obsolete),
    relationship_count = (SELECT count(*) FROM go_term_relationship WHERE ontology_snapshot_id = s.id)
WHERE id = :id
RETURNING term_count, relationship_count, obsolete_count;

-- name: resolve_terms
-- Each wanted id → its term, directly or (only when that fails) through an alt id; NULL when unknown.
-- COALESCE evaluates the alt-id sub-select lazily, so direct hits cost one index look-up.
SELECT w.go_id,
       coalesce(
           (SELECT t.id FROM go_term t WHERE t.ontology_snapshot_id = :s AND t.go_id = w.go_id),
           (SELECT a.id FROM go_term a WHERE a.ontology_snapshot_id = :s AND a.alt_ids @> ARRAY[w.go_id]
            ORDER BY a.id LIMIT 1))
FROM unnest(CAST(:ids AS text[])) AS w(go_id);

-- name: ancestors
WITH RECURSIVE walk(id) AS (
    SELECT unnest(CAST(:start AS int[]))
    UNION
    SELECT r.parent_id FROM go_term_relationship r JOIN walk w ON r.child_id = w.id
    WHERE r.relation_type = ANY(:rels)
)
SELECT t.id, t.go_id, t.name, t.aspect, t.is_obsolete
FROM walk JOIN go_term t ON t.id = walk.id
WHERE :self OR NOT (t.id = ANY(CAST(:start AS int[])))
ORDER BY t.go_id;

-- name: descendants
WITH RECURSIVE walk(id) AS (
    SELECT unnest(CAST(:start AS int[]))
    UNION
    SELECT r.child_id FROM go_term_relationship r JOIN walk w ON r.parent_id = w.id
    WHERE r.relation_type = ANY(:rels)
)
SELECT t.id, t.go_id, t.name, t.aspect, t.is_obsolete
FROM walk JOIN go_term t ON t.id = walk.id
WHERE :self OR NOT (t.id = ANY(CAST(:start AS int[])))
ORDER BY t.go_id;

-- name: ancestor_ids
WITH RECURSIVE walk(id) AS (
    SELECT unnest(CAST(:start AS int[]))
    UNION
    SELECT r.parent_id FROM go_term_relationship r JOIN walk w ON r.child_id = w.id
    WHERE r.relation_type = ANY(:rels)
)
SELECT id FROM walk;

-- name: ancestor_map
WITH RECURSIVE walk(start, id) AS (
    SELECT s, s FROM unnest(CAST(:start AS int[])) AS s
    UNION
    SELECT w.start, r.parent_id FROM go_term_relationship r JOIN walk w ON r.child_id = w.id
    WHERE r.relation_type = ANY(:rels)
)
SELECT w.start, t.go_id FROM walk w JOIN go_term t ON t.id = w.id;

-- name: edges_among
SELECT c.go_id, p.go_id, r.relation_type
FROM go_term_relationship r
JOIN go_term c ON c.id = r.child_id
JOIN go_term p ON p.id = r.parent_id
WHERE r.child_id = ANY(CAST(:ids AS int[])) AND r.parent_id = ANY(CAST(:ids AS int[]))
  AND r.relation_type = ANY(:rels)
ORDER BY 1, 2, 3;

-- name: list_snapshots
SELECT s.id, s.obo_version, s.ontology, s.format_version, s.source_file, s.term_count, s.obsolete_count,
       s.relationship_count, s.loaded_by, s.loaded_at,
       (SELECT count(*) FROM annotation_set a WHERE a.ontology_snapshot_id = s.id) AS annotation_sets
FROM ontology_snapshot s ORDER BY s.loaded_at DESC, s.id DESC;

-- name: find_terms
-- Exact id or alt id first, then name substrings (a scan of one snapshot's terms: tens of thousands).
SELECT t.id, t.go_id, t.name, t.aspect, t.is_obsolete
FROM go_term t
WHERE t.ontology_snapshot_id = :s
  AND (t.go_id = :q OR t.alt_ids @> ARRAY[CAST(:q AS text)] OR lower(t.name) LIKE :pattern)
  AND (CAST(:aspect AS text) IS NULL OR t.aspect = :aspect)
ORDER BY (t.go_id = :q) DESC, (t.alt_ids @> ARRAY[CAST(:q AS text)]) DESC, length(t.name), t.go_id
LIMIT :limit;

-- name: term_by_id
SELECT t.id, t.go_id, t.name, t.namespace, t.aspect, t.definition, t.is_obsolete, t.alt_ids, t.replaced_by,
       t.consider
FROM go_term t WHERE t.id = :id;

-- name: direct_parents
SELECT p.go_id, p.name, r.relation_type
FROM go_term_relationship r JOIN go_term p ON p.id = r.parent_id
WHERE r.child_id = :id ORDER BY r.relation_type, p.go_id;

-- name: direct_children
SELECT c.go_id, c.name, r.relation_type
FROM go_term_relationship r JOIN go_term c ON c.id = r.child_id
WHERE r.parent_id = :id ORDER BY r.relation_type, c.go_id;

-- name: obsolete_terms
SELECT t.go_id, t.name, t.aspect, t.replaced_by, t.consider
FROM go_term t
WHERE t.ontology_snapshot_id = :s AND t.is_obsolete
ORDER BY t.go_id
LIMIT :limit OFFSET :offset;

-- name: count_obsolete
SELECT count(*) FROM go_term WHERE ontology_snapshot_id = :s AND is_obsolete;

-- name: snapshot_by_id
SELECT id FROM ontology_snapshot WHERE id = :id;

-- name: snapshots_by_version
SELECT id FROM ontology_snapshot WHERE obo_version = :v ORDER BY id;
