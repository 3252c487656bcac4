-- Objectives, the goals that serve them, and every change made to a goal.
CREATE TABLE objectives (
    objective_id VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    kpis         VARCHAR NOT NULL, -- KPI ids, comma-separated, in the order declared
    description  VARCHAR
);

CREATE TABLE goals (
    goal_id      VARCHAR NOT NULL,
    kpi          VARCHAR NOT NULL,
    scope        VARCHAR NOT NULL, -- org, team:ID or rep:ID
    grain        VARCHAR NOT NULL,
    period       VARCHAR NOT NULL, -- the period's label
    period_start TIMESTAMP NOT NULL,
    period_end   TIMESTAMP NOT NULL, -- exclusive
    target       DOUBLE,           -- absolute target
    change       DOUBLE,           -- or a relative change against the baseline
    baseline     VARCHAR,
    owner        VARCHAR,
    objective_id VARCHAR,
    parent_goal  VARCHAR,          -- set on goals made by a cascade
    source       VARCHAR NOT NULL  -- file (and line) or "cascade"
);

CREATE TABLE goal_history (
    goal_id    VARCHAR NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    action     VARCHAR NOT NULL, -- created, updated
    before     VARCHAR,          -- the goal as JSON
    after      VARCHAR NOT NULL
);
