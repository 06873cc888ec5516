-- Fragments of canonical-form expressions (services/annotations/canonical.py; named blocks, see
-- services/db/sql_blocks.py). Every block here is filled with ``str.format`` (so literal braces are doubled):
-- ``{column}`` / ``{expr}`` are release-table columns qualified and quoted by services/db/identifiers.py, or
-- expressions these fragments built; ``{key}`` is a value key checked by the same helper (a plain name).
-- No comments inside the blocks: they are spliced into the middle of expressions. ``unversioned_id`` strips the
-- version of a stable id at the start of an HGVS expression or a whole transcript id (ENST00000367770.8 → …770);
-- ``vep_value`` is NULL (absent) when the picked consequence is empty.

-- name: trimmed_text
NULLIF(btrim({expr}), '')

-- name: upper_text
upper({expr})

-- name: unversioned_id
regexp_replace({expr}, '^([A-Za-z_]+[0-9]+)\.[0-9]+', '\1')

-- name: first_present
COALESCE({exprs})

-- name: object_pair
'{key}', {expr}

-- name: object_part
jsonb_build_object({pairs})

-- name: stripped_object
jsonb_strip_nulls({parts})

-- name: empty_object
'{{}}'::jsonb

-- name: vep_consequence_terms
(SELECT jsonb_agg(t ORDER BY t) FROM unnest(regexp_split_to_array(btrim({column}), '\s*[&,]\s*')) AS t WHERE t <> '')

-- name: vep_value
CASE WHEN {gene} IS NULL AND {consequence} IS NULL THEN NULL ELSE {body} END

-- name: no_original
NULL::jsonb

-- name: no_error
NULL::text
