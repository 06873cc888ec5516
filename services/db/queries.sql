-- SQL of the database foundation (named blocks, see services/db/sql_blocks.py).

-- name: copy_from_stdin
-- pg_copy: the table and column names come quoted by services.db.identifiers.
COPY {table} ({columns}) FROM STDIN;
