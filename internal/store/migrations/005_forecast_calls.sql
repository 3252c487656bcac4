-- Managers' own forecast calls: every submission is kept; the latest per scope
-- and period is the current call.
CREATE TABLE forecast_calls (
    scope        VARCHAR NOT NULL, -- org, team:ID or rep:ID
    period       VARCHAR NOT NULL, -- a month label, e.g. 2026-10
    amount       DOUBLE NOT NULL,
    note         VARCHAR,
    submitted_at TIMESTAMP NOT NULL,
    submitted_by VARCHAR NOT NULL
);
