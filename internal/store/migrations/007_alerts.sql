-- Alerts that fired: one row per rule, subject and period while the condition
-- holds (the deduplication key), resolved when it clears.
CREATE TABLE alert_events (
    event_id    VARCHAR NOT NULL, -- also the message id receivers deduplicate on
    rule_id     VARCHAR NOT NULL,
    dedup_key   VARCHAR NOT NULL, -- rule | subject | period
    subject     VARCHAR NOT NULL, -- org, a scope like region=EMEA, or goal:ID
    period      VARCHAR NOT NULL,
    kpi         VARCHAR,
    value       DOUBLE,
    threshold   DOUBLE,
    message     VARCHAR NOT NULL,
    fired_at    TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);

-- Every attempt to deliver an event to a channel.
CREATE TABLE alert_deliveries (
    event_id     VARCHAR NOT NULL,
    channel      VARCHAR NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    attempts     INTEGER NOT NULL, -- tries within this delivery (the channel's own retries)
    delivered    BOOLEAN NOT NULL,
    permanent    BOOLEAN NOT NULL, -- failed in a way a retry cannot fix
    error        VARCHAR
);
