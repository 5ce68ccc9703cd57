-- Orleans grain state (AddAdoNetGrainStorage): one row per grain state.
--
-- The contract the provider (Microsoft.Orleans.Persistence.AdoNet 10.x) relies on:
--  * a state is keyed by ServiceId, the *state name* (passed as @GrainTypeString, with its hash) and
--    the grain key split into @GrainIdN0/@GrainIdN1 (Guid or integer keys) plus
--    @GrainIdExtensionString (string keys, key extensions; NULL otherwise). The grain type is not
--    part of the key: two grain types using the same state name and key share one row;
--  * the ETag is the integer version: @GrainStateVersion is the version the grain read (NULL when
--    it never saw a row). A write or clear that does not find that version must not change
--    anything and must answer no row or NULL — the provider then throws InconsistentStateException;
--  * result columns: PayloadBinary and Version (read), NewGrainStateVersion (write, clear), one
--    column holding any version other than the old one (delete).

CREATE TABLE IF NOT EXISTS orleans_grain_state
(
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL, -- the state name
    grain_type_hash    integer     NOT NULL,
    grain_id_hash      integer     NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NULL,
    payload            bytea       NULL,     -- NULL after a clear that keeps the row
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now(),
    -- NULLS NOT DISTINCT: a key without extension is one key, so a second first-write conflicts.
    CONSTRAINT orleans_grain_state_key UNIQUE NULLS NOT DISTINCT
        (grain_id_hash, grain_type_hash, service_id, grain_id_n0, grain_id_n1, grain_type,
         grain_id_extension)
);

-- Writes a state: the first write inserts version 1, later ones need the version they read.
-- Answers the new version, or NULL when the expected version was not (or no longer) there.
CREATE OR REPLACE FUNCTION orleans_grain_state_write(
    p_service_id         text,
    p_grain_type         text,
    p_grain_type_hash    integer,
    p_grain_id_hash      integer,
    p_grain_id_n0        bigint,
    p_grain_id_n1        bigint,
    p_grain_id_extension text,
    p_expected_version   integer,
    p_payload            bytea)
RETURNS integer
LANGUAGE plpgsql
AS $$
DECLARE
    new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO orleans_grain_state
            (service_id, grain_type, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1,
             grain_id_extension, payload, version)
        VALUES
            (p_service_id, p_grain_type, p_grain_type_hash, p_grain_id_hash, p_grain_id_n0,
             p_grain_id_n1, p_grain_id_extension, p_payload, 1)
        ON CONFLICT ON CONSTRAINT orleans_grain_state_key DO NOTHING
        RETURNING version INTO new_version;
    ELSE
        UPDATE orleans_grain_state
           SET payload = p_payload,
               version = version + 1,
               modified_at = now()
         WHERE grain_id_hash = p_grain_id_hash
           AND grain_type_hash = p_grain_type_hash
           AND service_id = p_service_id
           AND grain_id_n0 = p_grain_id_n0
           AND grain_id_n1 = p_grain_id_n1
           AND grain_type = p_grain_type
           AND grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
           AND version = p_expected_version
        RETURNING version INTO new_version;
    END IF;
    RETURN new_version;
END
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
('ReadFromStorageKey', $sql$
    SELECT payload AS "PayloadBinary",
           version AS "Version"
      FROM orleans_grain_state
     WHERE grain_id_hash = @GrainIdHash
       AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_type = @GrainTypeString
       AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString;
$sql$),

('WriteToStorageKey', $sql$
    SELECT orleans_grain_state_write(
        @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion";
$sql$),

-- Clear keeps the row (empty payload, next version) so the ETag keeps counting.
('ClearStorageKey', $sql$
    UPDATE orleans_grain_state
       SET payload = NULL,
           version = version + 1,
           modified_at = now()
     WHERE grain_id_hash = @GrainIdHash
       AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_type = @GrainTypeString
       AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version AS "NewGrainStateVersion";
$sql$),

-- Used instead of ClearStorageKey when DeleteStateOnClear is set: the row goes away.
('DeleteStorageKey', $sql$
    DELETE FROM orleans_grain_state
     WHERE grain_id_hash = @GrainIdHash
       AND grain_type_hash = @GrainTypeHash
       AND service_id = @ServiceId
       AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1
       AND grain_type = @GrainTypeString
       AND grain_id_extension IS NOT DISTINCT FROM @GrainIdExtensionString
       AND version = @GrainStateVersion
    RETURNING version + 1 AS "NewGrainStateVersion";
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
