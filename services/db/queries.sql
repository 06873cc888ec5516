-- SQL of the database foundation (named blocks, see services/db/sql_blocks.py).

-- name: copy_from_stdin
-- pg_copy: the table and column names come quoted by services.db.identifiers.
COPY {table} ({columns}) FROM STDIN;

-- name: copy_binary_from_stdin
-- pg_arrays: PostgreSQL's binary COPY format; the table and column names come quoted by services.db.identifiers.
COPY {table} ({columns}) FROM STDIN (FORMAT binary);
