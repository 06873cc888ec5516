-- Fragments of canonical-form expressions (services/annotations/canonical.py; named blocks, see
-- services/db/sql_blocks.py). ``{column}`` is a release-table column, qualified and quoted by
-- services/db/identifiers.py.

-- name: vep_consequence_terms
(SELECT jsonb_agg(t ORDER BY t) FROM unnest(regexp_split_to_array(btrim({column}), '\s*[&,]\s*')) AS t WHERE t <> '')
