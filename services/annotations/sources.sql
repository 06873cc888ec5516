-- Adding a release of an annotation source (services/annotations/sources.py; named blocks, see
-- services/db/sql_blocks.py). These run on a psycopg connection: parameters are psycopg's ``%(name)s``.
-- ``{table}``, ``{index}``, ``{column}`` and ``{columns}`` are names quoted by services/db/identifiers.py;
-- ``{type}`` is one of sources.SQL_TYPES.

-- name: lock_source
-- Serialises the releases of one source (contract 7); released at commit.
SELECT pg_advisory_xact_lock(%(lock)s, hashtext(%(name)s));

-- name: release_exists
SELECT 1 FROM annotation_sources WHERE name = %(name)s AND version = %(version)s AND genome_build = %(genome)s;

-- name: insert_release
INSERT INTO annotation_sources (name, kind, version, genome_build, file_path, file_hash, record_count, allele_count,
                                duplicate_count, contigs, field_config, table_name, loaded_by)
VALUES (%(name)s, %(kind)s, %(version)s, %(genome)s, %(path)s, %(hash)s, 0, 0, 0, '{}', %(fields)s, %(table)s,
        %(who)s)
RETURNING id;

-- name: insert_release_values
-- One row per allele: the first record for an allele wins (contract 5).
INSERT INTO {table} (release_id, allele_id, record_id, {columns})
SELECT DISTINCT ON (id) %(release_id)s, id, record_id, {columns}
  FROM source_staging
 ORDER BY id, ord;

-- name: finish_release
UPDATE annotation_sources
   SET record_count = %(records)s, allele_count = %(alleles)s, duplicate_count = %(duplicates)s,
       contigs = %(contigs)s
 WHERE id = %(id)s;

-- name: create_release_table
CREATE TABLE IF NOT EXISTS {table} (
    release_id integer NOT NULL REFERENCES annotation_sources (id) ON DELETE CASCADE,
    allele_id bigint NOT NULL,
    record_id text,
    PRIMARY KEY (release_id, allele_id)
);

-- name: create_release_index
CREATE INDEX IF NOT EXISTS {index} ON {table} (allele_id);

-- name: table_columns
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_schema = current_schema() AND table_name = %(table)s;

-- name: add_column
ALTER TABLE {table} ADD COLUMN {column} {type};

-- name: create_source_staging
-- The release's records, normalised; its value columns are added with ``add_column``.
CREATE TEMP TABLE source_staging (
    ord bigint, id bigint, genome_build text, chrom text, pos bigint, ref text, alt text, end_pos bigint,
    variant_type text, record_id text
) ON COMMIT DROP;

-- name: copy_source_staging
COPY source_staging ({columns}) FROM STDIN;
