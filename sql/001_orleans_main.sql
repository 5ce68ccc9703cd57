-- Orleans' ADO.NET providers (clustering, grain storage, reminders) read every statement they run
-- from the OrleansQuery table at start-up: one row per query key, the SQL text in QueryText.
-- The providers select "QueryKey, QueryText FROM OrleansQuery" unquoted, so these names fold to
-- lower case like any unquoted PostgreSQL identifier.
--
-- Every file in sql/ is applied by the product itself (SchemaMigrator) in file-name order, inside
-- one transaction, and must stay idempotent: it may run again whenever its text changes.
-- CREATE OR REPLACE FUNCTION cannot change a function's parameters (it would add an overload):
-- DROP FUNCTION IF EXISTS the old signature first.

DO $$
BEGIN
    -- The grain state table needs UNIQUE ... NULLS NOT DISTINCT, new in PostgreSQL 15.
    IF current_setting('server_version_num')::integer < 150000 THEN
        RAISE EXCEPTION 'Top of Heart needs PostgreSQL 15 or later; this server runs %',
            current_setting('server_version');
    END IF;
END
$$;

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleans_query_pk PRIMARY KEY (QueryKey)
);
