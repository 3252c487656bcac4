-- The entities of the canonical CSV contract. Uniqueness of each key is kept by the
-- importer (delete-then-insert from a deduplicated staging table) rather than by
-- index constraints: DuckDB's ART indexes cost more memory and time than the
-- set-based upsert on tens of millions of activity rows.
CREATE TABLE teams (
    team_id        VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    parent_team_id VARCHAR,
    region         VARCHAR
);

CREATE TABLE reps (
    rep_id   VARCHAR NOT NULL,
    name     VARCHAR NOT NULL,
    email    VARCHAR,
    team_id  VARCHAR,
    role     VARCHAR,
    hired_on TIMESTAMP,
    left_on  TIMESTAMP
);

CREATE TABLE accounts (
    account_id   VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    industry     VARCHAR,
    segment      VARCHAR,
    region       VARCHAR,
    owner_rep_id VARCHAR,
    created_at   TIMESTAMP
);

CREATE TABLE leads (
    lead_id           VARCHAR NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    source            VARCHAR,
    campaign          VARCHAR,
    owner_rep_id      VARCHAR,
    status            VARCHAR,
    first_response_at TIMESTAMP,
    converted_at      TIMESTAMP,
    opportunity_id    VARCHAR,
    account_id        VARCHAR
);

CREATE TABLE opportunities (
    opportunity_id    VARCHAR NOT NULL,
    name              VARCHAR,
    account_id        VARCHAR,
    owner_rep_id      VARCHAR NOT NULL,
    type              VARCHAR,
    product           VARCHAR,
    stage             VARCHAR NOT NULL,
    status            VARCHAR NOT NULL,
    amount            DECIMAL(18, 4) NOT NULL,
    cost              DECIMAL(18, 4),
    probability       DOUBLE,
    forecast_category VARCHAR,
    created_at        TIMESTAMP NOT NULL,
    close_date        TIMESTAMP NOT NULL,
    lost_reason       VARCHAR
);

CREATE TABLE opportunity_stages (
    row_key        VARCHAR NOT NULL,
    opportunity_id VARCHAR NOT NULL,
    stage          VARCHAR NOT NULL,
    entered_at     TIMESTAMP NOT NULL
);

CREATE TABLE activities (
    activity_id      VARCHAR NOT NULL,
    rep_id           VARCHAR NOT NULL,
    type             VARCHAR NOT NULL,
    occurred_at      TIMESTAMP NOT NULL,
    duration_minutes DOUBLE,
    direction        VARCHAR,
    outcome          VARCHAR,
    lead_id          VARCHAR,
    opportunity_id   VARCHAR,
    account_id       VARCHAR,
    opened_at        TIMESTAMP,
    clicked_at       TIMESTAMP,
    attended         BOOLEAN
);

CREATE TABLE time_entries (
    row_key  VARCHAR NOT NULL,
    rep_id   VARCHAR NOT NULL,
    date     TIMESTAMP NOT NULL,
    category VARCHAR NOT NULL,
    minutes  DOUBLE NOT NULL
);

CREATE TABLE quotas (
    row_key      VARCHAR NOT NULL,
    rep_id       VARCHAR,
    team_id      VARCHAR,
    period_start TIMESTAMP NOT NULL,
    period_end   TIMESTAMP NOT NULL,
    amount       DECIMAL(18, 4) NOT NULL
);

CREATE TABLE spend (
    row_key  VARCHAR NOT NULL,
    date     TIMESTAMP NOT NULL,
    category VARCHAR,
    source   VARCHAR,
    campaign VARCHAR,
    amount   DECIMAL(18, 4) NOT NULL
);

CREATE TABLE subscriptions (
    subscription_id VARCHAR NOT NULL,
    account_id      VARCHAR NOT NULL,
    product         VARCHAR,
    start_date      TIMESTAMP NOT NULL,
    end_date        TIMESTAMP,
    mrr             DECIMAL(18, 4) NOT NULL
);

CREATE TABLE nps_responses (
    row_key      VARCHAR NOT NULL,
    account_id   VARCHAR NOT NULL,
    responded_at TIMESTAMP NOT NULL,
    score        INTEGER NOT NULL
);

CREATE TABLE experiment_assignments (
    row_key       VARCHAR NOT NULL,
    experiment_id VARCHAR NOT NULL,
    variant       VARCHAR NOT NULL,
    subject_type  VARCHAR NOT NULL,
    subject_id    VARCHAR NOT NULL,
    assigned_at   TIMESTAMP
);

-- data_version grows with every committed import so that readers can cache results
-- keyed by it.
CREATE TABLE store_meta (
    name  VARCHAR NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO store_meta (name, value) VALUES ('data_version', 0);
