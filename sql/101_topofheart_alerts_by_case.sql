-- A case rebuilt from the event log (CaseGrain.OnActivateAsync) reads the ids of the alerts it had raised, so a
-- drop that fired before an accept reported late stays a drop. The alert body's caseId, indexed.
CREATE INDEX IF NOT EXISTS toh_alert_by_case ON toh_alert ((body ->> 'caseId'));
