-- SQL of database maintenance (named blocks, see services/db/sql_blocks.py).

-- name: workbench_tables
-- Ordinary and partitioned tables of the current schema, procrastinate's included.
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname;

-- name: table_sizes
SELECT c.relname, greatest(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY 3 DESC, 1;

-- name: analyze_table
-- The table: a name from workbench_tables, quoted by services.db.identifiers.
ANALYZE {table};

-- name: vacuum_analyze_table
-- Outside a transaction (autocommit): VACUUM cannot run in one.
VACUUM (ANALYZE) {table};
