-- SQL of the allele kernel (named blocks, see services/db/sql_blocks.py). {staging} and {cols} are filled with
-- names quoted by services.db.identifiers.

-- name: upsert_staged
-- The staged alleles not yet stored; one colliding key (same id, different key), if any. An id already present
-- with the same key is left alone; with a different key the no-op DO UPDATE reports it (xmax <> 0).
WITH ins AS (
    INSERT INTO alleles (id, genome_build, chrom, pos, ref, alt, end_pos, variant_type)
    SELECT DISTINCT ON (id) id, genome_build, chrom, pos, ref, alt, end_pos, variant_type
    FROM {staging} ORDER BY id
    ON CONFLICT (id) DO UPDATE SET id = alleles.id
    WHERE (alleles.genome_build, alleles.chrom, alleles.pos, alleles.ref, alleles.alt) IS DISTINCT FROM
          (EXCLUDED.genome_build, EXCLUDED.chrom, EXCLUDED.pos, EXCLUDED.ref, EXCLUDED.alt)
    RETURNING chrom, pos, ref, alt, xmax <> 0 AS clash)
SELECT chrom, pos, ref, alt FROM ins WHERE clash LIMIT 1;

-- name: insert_new_staged
-- The staged alleles not yet stored, with a plain INSERT; one colliding key, if any. Each staged id is probed
-- once through alleles' primary key (a correlated subquery: always an index probe).
WITH probe AS MATERIALIZED (
    SELECT s.*, (SELECT (a.genome_build, a.chrom, a.pos, a.ref, a.alt)::text FROM alleles a WHERE a.id = s.id) AS known
    FROM (SELECT DISTINCT ON (id) {cols} FROM {staging} ORDER BY id) s),
ins AS (INSERT INTO alleles ({cols}) SELECT {cols} FROM probe WHERE known IS NULL)
SELECT chrom, pos, ref, alt FROM probe
WHERE known IS DISTINCT FROM (genome_build, chrom, pos, ref, alt)::text AND known IS NOT NULL LIMIT 1;
