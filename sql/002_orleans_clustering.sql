-- Orleans cluster membership (UseAdoNetClustering): which silos exist, their status and heartbeat.
--
-- The contract the provider (Microsoft.Orleans.Clustering.AdoNet 10.x) relies on:
--  * one version row per cluster (DeploymentId = ClusterOptions.ClusterId); every membership write
--    carries the version the silo last read (@Version) and succeeds only if the row still has it,
--    moving it on by one in the same transaction — optimistic concurrency over the whole table;
--  * the read queries return the version row even when no silo row matches (left join), because
--    the provider takes the table version from the first row;
--  * write queries answer with one row of one column that converts to a boolean;
--  * result columns are read by name: DeploymentId, Address, Port, Generation, SiloName, HostName,
--    Status, ProxyPort, SuspectTimes, StartTime, IAmAliveTime, Version.
-- Status values are Orleans' SiloStatus: 3 = Active, 6 = Dead.

CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text        NOT NULL,
    version       integer     NOT NULL DEFAULT 0,
    changed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT orleans_membership_version_pk PRIMARY KEY (deployment_id)
);

CREATE TABLE IF NOT EXISTS orleans_membership
(
    deployment_id   text        NOT NULL,
    address         text        NOT NULL,
    port            integer     NOT NULL,
    generation      integer     NOT NULL,
    silo_name       text        NOT NULL,
    host_name       text        NOT NULL,
    status          integer     NOT NULL,
    proxy_port      integer     NOT NULL DEFAULT 0,
    suspect_times   text        NULL,
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    CONSTRAINT orleans_membership_pk PRIMARY KEY (deployment_id, address, port, generation),
    CONSTRAINT orleans_membership_version_fk FOREIGN KEY (deployment_id)
        REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE
);

-- Adds a silo row, guarded by the table version the silo read.
CREATE OR REPLACE FUNCTION orleans_membership_insert(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_silo_name        text,
    p_host_name        text,
    p_status           integer,
    p_proxy_port       integer,
    p_start_time       timestamptz,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    -- Holding the version row (only while it still has the expected version) serialises writers;
    -- a writer that lost the race changes nothing, and Orleans re-reads the table and retries.
    PERFORM 1
       FROM orleans_membership_version
      WHERE deployment_id = p_deployment_id
        AND version = p_expected_version
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO orleans_membership
        (deployment_id, address, port, generation, silo_name, host_name, status, proxy_port,
         start_time, i_am_alive_time)
    VALUES
        (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status,
         p_proxy_port, p_start_time, p_i_am_alive_time)
    ON CONFLICT ON CONSTRAINT orleans_membership_pk DO NOTHING;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership_version
       SET version = version + 1,
           changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$$;

-- Changes a silo's status and suspicions, guarded by the table version the silo read.
CREATE OR REPLACE FUNCTION orleans_membership_update(
    p_deployment_id    text,
    p_address          text,
    p_port             integer,
    p_generation       integer,
    p_status           integer,
    p_suspect_times    text,
    p_i_am_alive_time  timestamptz,
    p_expected_version integer)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1
       FROM orleans_membership_version
      WHERE deployment_id = p_deployment_id
        AND version = p_expected_version
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership
       SET status = p_status,
           suspect_times = p_suspect_times,
           -- a heartbeat written meanwhile may be newer than the silo's copy: never go back
           i_am_alive_time = GREATEST(i_am_alive_time, p_i_am_alive_time)
     WHERE deployment_id = p_deployment_id
       AND address = p_address
       AND port = p_port
       AND generation = p_generation;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE orleans_membership_version
       SET version = version + 1,
           changed_at = now()
     WHERE deployment_id = p_deployment_id;
    RETURN true;
END
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText)
VALUES
('InsertMembershipVersionKey', $sql$
    WITH created AS (
        INSERT INTO orleans_membership_version (deployment_id)
        VALUES (@DeploymentId)
        ON CONFLICT ON CONSTRAINT orleans_membership_version_pk DO NOTHING
        RETURNING 1
    )
    SELECT count(*) > 0 AS "Created" FROM created;
$sql$),

('InsertMembershipKey', $sql$
    SELECT orleans_membership_insert(
        @DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort,
        @StartTime, @IAmAliveTime, @Version) AS "Inserted";
$sql$),

('UpdateMembershipKey', $sql$
    SELECT orleans_membership_update(
        @DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime,
        @Version) AS "Updated";
$sql$),

-- The heartbeat: not versioned, never moves backwards.
('UpdateIAmAlivetimeKey', $sql$
    UPDATE orleans_membership
       SET i_am_alive_time = GREATEST(i_am_alive_time, @IAmAliveTime)
     WHERE deployment_id = @DeploymentId
       AND address = @Address
       AND port = @Port
       AND generation = @Generation;
$sql$),

('MembershipReadRowKey', $sql$
    SELECT v.deployment_id   AS "DeploymentId",
           m.address         AS "Address",
           m.port            AS "Port",
           m.generation      AS "Generation",
           m.silo_name       AS "SiloName",
           m.host_name       AS "HostName",
           m.status          AS "Status",
           m.proxy_port      AS "ProxyPort",
           m.suspect_times   AS "SuspectTimes",
           m.start_time      AS "StartTime",
           m.i_am_alive_time AS "IAmAliveTime",
           v.version         AS "Version"
      FROM orleans_membership_version v
      LEFT JOIN orleans_membership m
             ON m.deployment_id = v.deployment_id
            AND m.address = @Address
            AND m.port = @Port
            AND m.generation = @Generation
     WHERE v.deployment_id = @DeploymentId;
$sql$),

('MembershipReadAllKey', $sql$
    SELECT v.deployment_id   AS "DeploymentId",
           m.address         AS "Address",
           m.port            AS "Port",
           m.generation      AS "Generation",
           m.silo_name       AS "SiloName",
           m.host_name       AS "HostName",
           m.status          AS "Status",
           m.proxy_port      AS "ProxyPort",
           m.suspect_times   AS "SuspectTimes",
           m.start_time      AS "StartTime",
           m.i_am_alive_time AS "IAmAliveTime",
           v.version         AS "Version"
      FROM orleans_membership_version v
      LEFT JOIN orleans_membership m
             ON m.deployment_id = v.deployment_id
     WHERE v.deployment_id = @DeploymentId;
$sql$),

-- Silo rows go with their version row (ON DELETE CASCADE).
('DeleteMembershipTableEntriesKey', $sql$
    DELETE FROM orleans_membership_version
     WHERE deployment_id = @DeploymentId;
$sql$),

-- Gateways for clients: @Status is Active.
('GatewaysQueryKey', $sql$
    SELECT address    AS "Address",
           proxy_port AS "ProxyPort",
           generation AS "Generation"
      FROM orleans_membership
     WHERE deployment_id = @DeploymentId
       AND status = @Status
       AND proxy_port > 0;
$sql$),

-- Required by the provider, but used only when CleanupDefunctSiloEntryKey is missing:
-- removes Dead silos that started and last beat before the cut-off.
('CleanupDefunctSiloEntriesKey', $sql$
    DELETE FROM orleans_membership
     WHERE deployment_id = @DeploymentId
       AND status = 6
       AND i_am_alive_time < @IAmAliveTime
       AND start_time < @IAmAliveTime;
$sql$),

-- The provider picks the defunct rows itself and deletes each one only if it is still exactly as
-- it read it (still Dead, same start, heartbeat and suspicions).
('CleanupDefunctSiloEntryKey', $sql$
    DELETE FROM orleans_membership
     WHERE deployment_id = @DeploymentId
       AND address = @Address
       AND port = @Port
       AND generation = @Generation
       AND status = 6
       AND start_time = @StartTime
       AND i_am_alive_time = @IAmAliveTime
       AND coalesce(suspect_times, '') = coalesce(@SuspectTimes, '');
$sql$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
