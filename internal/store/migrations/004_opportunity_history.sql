-- What a deal's amount, expected close date, probability, forecast category and
-- stage were from changed_at on; optional, for point-in-time questions.
CREATE TABLE opportunity_history (
    row_key           VARCHAR NOT NULL,
    opportunity_id    VARCHAR NOT NULL,
    changed_at        TIMESTAMP NOT NULL,
    amount            DECIMAL(18, 4),
    close_date        TIMESTAMP,
    probability       DOUBLE,
    forecast_category VARCHAR,
    stage             VARCHAR
);
