-- SQL of the protein catalog (named blocks, see services/db/sql_blocks.py).

-- name: count_proteins
SELECT count(*) FROM protein p
WHERE (CAST(:pattern AS text) IS NULL
       OR lower(p.accession || ' ' || coalesce(p.entry_name, '') || ' ' || coalesce(p.gene_name, '') || ' ' ||
                coalesce(p.protein_name, '') || ' ' || coalesce(p.organism, '')) LIKE :pattern)
  AND (CAST(:reviewed AS boolean) IS NULL OR p.reviewed = :reviewed)
  AND (NOT :canonical OR p.is_canonical)
  AND (CAST(:annotated AS boolean) IS NULL
       OR EXISTS (SELECT 1 FROM protein_go_annotation a WHERE a.protein_accession = p.accession) = :annotated);

-- name: search_proteins
SELECT p.accession, p.entry_name, p.gene_name, p.protein_name, p.organism, p.taxonomy_id, p.reviewed,
       p.is_canonical, p.length,
       (SELECT count(*) FROM protein_go_annotation a WHERE a.protein_accession = p.accession) AS annotations
FROM protein p
WHERE (CAST(:pattern AS text) IS NULL
       OR lower(p.accession || ' ' || coalesce(p.entry_name, '') || ' ' || coalesce(p.gene_name, '') || ' ' ||
                coalesce(p.protein_name, '') || ' ' || coalesce(p.organism, '')) LIKE :pattern)
  AND (CAST(:reviewed AS boolean) IS NULL OR p.reviewed = :reviewed)
  AND (NOT :canonical OR p.is_canonical)
  AND (CAST(:annotated AS boolean) IS NULL
       OR EXISTS (SELECT 1 FROM protein_go_annotation a WHERE a.protein_accession = p.accession) = :annotated)
ORDER BY p.accession
LIMIT :limit OFFSET :offset;

-- name: catalog_counts
SELECT (SELECT count(*) FROM protein),
       (SELECT count(*) FROM protein WHERE reviewed),
       (SELECT count(*) FROM protein WHERE is_canonical),
       (SELECT count(*) FROM sequence),
       (SELECT count(DISTINCT protein_accession) FROM protein_go_annotation);

-- name: protein_detail
SELECT p.accession, p.canonical_accession, p.isoform_index, p.is_canonical, p.entry_name, p.reviewed,
       p.protein_name, p.organism, p.taxonomy_id, p.gene_name, p.protein_existence, p.sequence_version,
       p.length, s.sequence, s.sequence_hash, p.sequence_id
FROM protein p JOIN sequence s ON s.id = p.sequence_id
WHERE p.accession = :acc;

-- name: protein_metadata
SELECT * FROM protein_uniprot_metadata WHERE canonical_accession = :acc;

-- name: isoforms
SELECT accession FROM protein WHERE canonical_accession = :canonical ORDER BY isoform_index NULLS FIRST, accession;

-- name: same_sequence
SELECT accession FROM protein WHERE sequence_id = :sequence_id AND accession <> :acc ORDER BY accession;

-- name: list_query_sets
SELECT q.id, q.name, q.description, q.source_file, q.created_by, q.created_at,
       (SELECT count(*) FROM query_set_entry e WHERE e.query_set_id = q.id) AS entries
FROM query_set q ORDER BY q.created_at DESC, q.id DESC;

-- name: query_set_entries
SELECT e.position, e.accession, e.header, s.length, s.sequence_hash
FROM query_set_entry e JOIN sequence s ON s.id = e.sequence_id
WHERE e.query_set_id = :id
ORDER BY e.position
LIMIT :limit OFFSET :offset;

-- name: changed_sequences
-- Reference accessions of the staged FASTA whose sequence differs from their live one.
SELECT f.accession, p.sequence_id AS old_sequence_id, s.id AS new_sequence_id,
       (SELECT max(v.version) FROM protein_sequence_version v WHERE v.accession = f.accession) AS last_version
FROM fasta_stage f
JOIN sequence s USING (sequence_hash)
JOIN protein p ON p.accession = f.accession
WHERE p.sequence_id <> s.id
ORDER BY f.accession;

-- name: retire_changed_sequence_versions
UPDATE protein_sequence_version v SET replaced_at = now()
FROM fasta_stage f JOIN sequence s USING (sequence_hash) JOIN protein p ON p.accession = f.accession
WHERE v.accession = f.accession AND v.replaced_at IS NULL AND p.sequence_id <> s.id;

-- name: record_sequence_versions
-- After the protein upsert: a first version for new accessions, the next one for changed ones.
INSERT INTO protein_sequence_version (accession, version, sequence_id, uniprot_sequence_version)
SELECT f.accession, coalesce((SELECT max(v.version) FROM protein_sequence_version v
                              WHERE v.accession = f.accession), 0) + 1,
       p.sequence_id, f.sequence_version
FROM fasta_stage f JOIN protein p ON p.accession = f.accession
WHERE NOT EXISTS (SELECT 1 FROM protein_sequence_version v WHERE v.accession = f.accession AND v.replaced_at IS NULL);

-- name: upsert_staged_metadata
-- {assignments}: "column" = excluded."column" for every metadata column (names quoted by services.db.identifiers).
WITH up AS (
    INSERT INTO protein_uniprot_metadata AS m SELECT * FROM metadata_stage
    ON CONFLICT (canonical_accession) DO UPDATE SET {assignments}, updated_at = now()
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up;
