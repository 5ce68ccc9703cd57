-- The ids of the event log and the wake-ups are compared byte by byte ("C" collation), not by the database's
-- language rules: they are keys, never sorted for a reader, and every logged event costs dozens of comparisons in
-- the primary key and the case and customer indexes (a locale's strcoll on each one, memcmp in "C").
-- Idempotent: a column already in "C" is left alone, so the indexes are rebuilt once.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
               WHERE a.attrelid = 'toh_event'::regclass AND a.attname IN ('event_id', 'customer_id', 'case_id')
                 AND c.collname <> 'C') THEN
        ALTER TABLE toh_event
            ALTER COLUMN event_id TYPE text COLLATE "C",
            ALTER COLUMN customer_id TYPE text COLLATE "C",
            ALTER COLUMN case_id TYPE text COLLATE "C";
    END IF;

    IF EXISTS (SELECT 1 FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation
               WHERE a.attrelid = 'toh_wakeup'::regclass AND a.attname = 'case_id' AND c.collname <> 'C') THEN
        ALTER TABLE toh_wakeup ALTER COLUMN case_id TYPE text COLLATE "C";
    END IF;
END
$$;

-- A pending batch's ids (a few KiB for a request of 200 events) stay in the row, uncompressed: with the default
-- target a row over 2 KiB has them compressed and moved to the TOAST table, on every request, to be deleted
-- a moment later when the grains have applied the batch.
ALTER TABLE toh_pending_batch SET (toast_tuple_target = 8160);
