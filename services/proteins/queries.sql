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

-- name: create_metadata_stage
CREATE TEMP TABLE metadata_stage (LIKE protein_uniprot_metadata INCLUDING DEFAULTS) ON COMMIT DROP;

-- name: upsert_staged_metadata
-- A reload replaces every metadata column (metadata_loader.COLUMNS but the key; a test holds the list to it).
WITH up AS (
    INSERT INTO protein_uniprot_metadata AS m SELECT * FROM metadata_stage
    ON CONFLICT (canonical_accession) DO UPDATE SET
        protein_name = excluded.protein_name,
        function_cc = excluded.function_cc,
        ec_number = excluded.ec_number,
        catalytic_activity = excluded.catalytic_activity,
        cofactor = excluded.cofactor,
        activity_regulation = excluded.activity_regulation,
        pathway = excluded.pathway,
        kinetics = excluded.kinetics,
        ph_dependence = excluded.ph_dependence,
        temperature_dependence = excluded.temperature_dependence,
        subcellular_location = excluded.subcellular_location,
        keywords = excluded.keywords,
        rhea_id = excluded.rhea_id,
        extra = excluded.extra,
        source = excluded.source,
        updated_at = now()
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up;

-- name: drop_metadata_stage
DROP TABLE metadata_stage;

-- ---------------------------------------------------------------------------------------------------------
-- Loading a FASTA file (fasta_loader.py)
-- ---------------------------------------------------------------------------------------------------------

-- name: insert_query_set
INSERT INTO query_set (name, description, source_file, created_by) VALUES (:n, :d, :f, :u) RETURNING id;

-- name: create_fasta_stage
CREATE TEMP TABLE fasta_stage (position int, accession text, canonical_accession text,
                               isoform_index int, entry_name text, reviewed boolean, protein_name text, organism text,
                               taxonomy_id int, gene_name text, protein_existence smallint, sequence_version int,
                               header text, sequence_hash text, sequence text)
    ON COMMIT DROP;

-- name: insert_staged_sequences
INSERT INTO sequence (sequence_hash, sequence, length)
SELECT DISTINCT ON (sequence_hash) sequence_hash, sequence, char_length(sequence)
FROM fasta_stage ORDER BY sequence_hash
ON CONFLICT (sequence_hash) DO NOTHING;

-- name: upsert_staged_proteins
INSERT INTO protein (accession, canonical_accession, isoform_index, is_canonical, entry_name,
                     reviewed, protein_name, organism, taxonomy_id, gene_name, protein_existence, sequence_version,
                     sequence_id, length)
SELECT f.accession, f.canonical_accession, f.isoform_index, f.isoform_index IS NULL,
       f.entry_name, f.reviewed, f.protein_name, f.organism, f.taxonomy_id, f.gene_name,
       f.protein_existence, f.sequence_version, s.id, s.length
FROM fasta_stage f JOIN sequence s USING (sequence_hash)
ON CONFLICT (accession) DO UPDATE SET entry_name = excluded.entry_name,
    reviewed = excluded.reviewed, protein_name = excluded.protein_name,
    organism = excluded.organism,
    taxonomy_id = excluded.taxonomy_id, gene_name = excluded.gene_name,
    protein_existence = excluded.protein_existence, sequence_version = excluded.sequence_version,
    sequence_id = excluded.sequence_id, length = excluded.length, updated_at = now();

-- name: insert_staged_query_set_entries
INSERT INTO query_set_entry (query_set_id, position, accession, header, sequence_id)
SELECT :q, f.position, f.accession, f.header, s.id
FROM fasta_stage f JOIN sequence s USING (sequence_hash);

-- name: drop_fasta_stage
DROP TABLE fasta_stage;
