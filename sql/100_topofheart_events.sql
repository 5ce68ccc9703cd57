-- Top of Heart's own tables: the durable event log, the batches not yet applied by the grains,
-- the deadline wake-ups that survive a silo, and the alerts. Idempotent: safe to apply again.

-- Every accepted event, before the client hears 202. event_id is the idempotency key.
CREATE TABLE IF NOT EXISTS toh_event
(
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    event_id        text             NOT NULL,
    type            smallint         NOT NULL,
    occurred_at     timestamptz      NOT NULL,
    received_at     timestamptz      NOT NULL DEFAULT now(),
    customer_id     text             NOT NULL,
    case_id         text,
    department      text,
    employee_id     text,
    touchpoint_id   text,
    channel         smallint         NOT NULL DEFAULT 0,
    sentiment       double precision,
    to_department   text,
    reason          text,
    repeated_info   boolean          NOT NULL DEFAULT false,
    score           double precision,
    CONSTRAINT toh_event_pk PRIMARY KEY (event_id)
);

-- A case or a customer rebuilds from its own events when its grain activates.
CREATE INDEX IF NOT EXISTS toh_event_by_case ON toh_event (case_id, seq) WHERE case_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS toh_event_by_customer ON toh_event (customer_id, seq);

-- A request's new events, until the grains confirm they applied them. A batch left here by a
-- crash is applied again by the recovery sweep (grains ignore what they already have).
CREATE TABLE IF NOT EXISTS toh_pending_batch
(
    batch_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_ids   text[]      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- When a case must look at its deadlines (a baton's SLA, a stall timeout), kept so that a deadline
-- whose silo died still fires: the wake-up sweep asks the case to check once the time has passed.
CREATE TABLE IF NOT EXISTS toh_wakeup
(
    case_id  text        NOT NULL,
    due_at   timestamptz NOT NULL,
    CONSTRAINT toh_wakeup_pk PRIMARY KEY (case_id, due_at)
);

CREATE INDEX IF NOT EXISTS toh_wakeup_by_due ON toh_wakeup (due_at);

-- Alerts and their lifecycle. The primary key is what makes an alert raised once, whichever silo tries.
CREATE TABLE IF NOT EXISTS toh_alert
(
    alert_id     text        NOT NULL,
    book         smallint    NOT NULL,
    status       smallint    NOT NULL,
    raised_at    timestamptz NOT NULL,
    resolved_at  timestamptz,
    body         jsonb       NOT NULL,
    CONSTRAINT toh_alert_pk PRIMARY KEY (alert_id)
);

CREATE INDEX IF NOT EXISTS toh_alert_by_book ON toh_alert (book, status);
