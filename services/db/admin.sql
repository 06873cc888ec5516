-- The embedded server's administration, run as the superuser by services/db/embedded.py on a psycopg connection
-- (named blocks, see services/db/sql_blocks.py). {placeholders} are names quoted by services/db/identifiers.py.

-- name: reload_configuration
SELECT pg_reload_conf();

-- name: role_exists
SELECT 1 FROM pg_roles WHERE rolname = %(role)s;

-- name: create_login_role
-- Least privilege (embedded.py contract 5): a login role, no superuser, cannot create roles or databases.
CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;

-- name: give_database
ALTER DATABASE {database} OWNER TO {role};

-- name: create_extension
CREATE EXTENSION IF NOT EXISTS {extension};

-- name: hand_over_objects
-- Hands every object of the schema that is not part of an extension to the app's role (a cluster migrated by
-- the superuser before contract 5). Indexes, owned sequences and triggers follow their table.
DO $$
DECLARE r record;
BEGIN
    FOR r IN
        SELECT c.oid::regclass AS name, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
               WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
          AND c.relowner <> '{role}'::regrole
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                          AND d.deptype IN ('e', 'a', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO {role}', r.kind, r.name);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS name, CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE'
               ELSE 'FUNCTION' END AS kind
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> '{role}'::regrole
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO {role}', r.kind, r.name);
    END LOOP;
    FOR r IN
        SELECT t.oid::regtype AS name
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        LEFT JOIN pg_class c ON c.oid = t.typrelid
        WHERE n.nspname = 'public' AND t.typowner <> '{role}'::regrole
          AND (t.typtype IN ('e', 'd', 'r') OR (t.typtype = 'c' AND c.relkind = 'c'))
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid
                          AND d.deptype = 'e')
    LOOP
        EXECUTE format('ALTER TYPE %s OWNER TO {role}', r.name);
    END LOOP;
END $$;

-- name: alter_system_set
-- The value is a constant of embedded.SERVER_SETTINGS, quoted by identifiers.quote_setting_value.
ALTER SYSTEM SET {name} = {value};
