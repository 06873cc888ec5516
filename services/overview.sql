-- SQL of the home page's holdings (named blocks, see services/db/sql_blocks.py).

-- name: estimated_rows
-- The planner's row estimate (a partitioned table: the sum over its partitions); NULL when the table is missing.
SELECT CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(greatest(p.reltuples, 0)), 0)
                                       FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
                                       WHERE i.inhparent = c.oid)
            ELSE greatest(c.reltuples, 0) END
FROM pg_class c WHERE c.oid = to_regclass(:t);

-- name: exact_rows
-- {table}: a name of HOLDINGS, quoted by services.db.identifiers.
SELECT count(*) FROM {table};
