-- External benchmarks: where peers stand on a KPI, by segment ('' for all).
CREATE TABLE benchmarks (
    kpi     VARCHAR NOT NULL,
    segment VARCHAR NOT NULL,
    p25     DOUBLE NOT NULL,
    p50     DOUBLE NOT NULL,
    p75     DOUBLE NOT NULL,
    source  VARCHAR NOT NULL
);
