-- The pipeline waterfall of [t_from, t_to): every deal classified by whether it
-- was in the pipeline due by t_to at the start and at the end, and how it
-- moved. Amounts and expected close dates as they stood just before an instant
-- are the latest non-blank values recorded in opportunity_history before it,
-- else today's; a deal closed by then has its actual close date. Flows are
-- valued at the amount at the end; the amount change of deals in the pipeline
-- at the start makes amounts reconcile exactly.
WITH params AS (
    SELECT CAST(? AS TIMESTAMP) AS t_from, CAST(? AS TIMESTAMP) AS t_to
), as_of AS (
    SELECT opportunity_id,
           arg_max(CAST(amount AS DOUBLE), changed_at) FILTER (WHERE amount IS NOT NULL AND changed_at < t_from) AS amt_a,
           arg_max(close_date, changed_at) FILTER (WHERE close_date IS NOT NULL AND changed_at < t_from) AS cd_a,
           arg_max(CAST(amount AS DOUBLE), changed_at) FILTER (WHERE amount IS NOT NULL AND changed_at < t_to) AS amt_b,
           arg_max(close_date, changed_at) FILTER (WHERE close_date IS NOT NULL AND changed_at < t_to) AS cd_b
    FROM opportunity_history, params GROUP BY opportunity_id
), d AS (
    SELECT o.opportunity_id, o.status, o.created_at, o.close_date,
           coalesce(h.amt_a, CAST(o.amount AS DOUBLE)) AS amt_a,
           coalesce(h.amt_b, CAST(o.amount AS DOUBLE)) AS amt_b,
           CASE WHEN o.status <> 'open' AND o.close_date <= t_from THEN o.close_date ELSE coalesce(h.cd_a, o.close_date) END AS cd_a,
           CASE WHEN o.status <> 'open' AND o.close_date <= t_to THEN o.close_date ELSE coalesce(h.cd_b, o.close_date) END AS cd_b,
           o.created_at < t_from AND NOT (o.status <> 'open' AND o.close_date < t_from) AS open_a,
           o.created_at < t_to AND NOT (o.status <> 'open' AND o.close_date < t_to) AS open_b,
           o.status <> 'open' AND o.close_date >= t_from AND o.close_date < t_to AS closed_in,
           o.created_at >= t_from AND o.created_at < t_to AS created_in
    FROM opportunities o LEFT JOIN as_of h USING (opportunity_id)
    LEFT JOIN reps r ON r.rep_id = o.owner_rep_id
    CROSS JOIN params
    %s
), f AS (
    SELECT d.*, open_a AND cd_a < t_to AS in_a, open_b AND cd_b < t_to AS in_b FROM d, params
)
SELECT
    count(*) FILTER (WHERE in_a), coalesce(sum(amt_a) FILTER (WHERE in_a), 0),
    count(*) FILTER (WHERE ((NOT in_a AND in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND created_in),
    coalesce(sum(amt_b) FILTER (WHERE ((NOT in_a AND in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND created_in), 0),
    count(*) FILTER (WHERE ((NOT in_a AND in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND NOT created_in),
    coalesce(sum(amt_b) FILTER (WHERE ((NOT in_a AND in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND NOT created_in), 0),
    count(*) FILTER (WHERE ((in_a AND NOT in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND closed_in AND status = 'won'),
    coalesce(sum(amt_b) FILTER (WHERE ((in_a AND NOT in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND closed_in AND status = 'won'), 0),
    count(*) FILTER (WHERE ((in_a AND NOT in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND closed_in AND status = 'lost'),
    coalesce(sum(amt_b) FILTER (WHERE ((in_a AND NOT in_b) OR (NOT in_a AND NOT in_b AND closed_in)) AND closed_in AND status = 'lost'), 0),
    count(*) FILTER (WHERE in_a AND NOT in_b AND NOT closed_in),
    coalesce(sum(amt_b) FILTER (WHERE in_a AND NOT in_b AND NOT closed_in), 0),
    coalesce(sum(amt_b - amt_a) FILTER (WHERE in_a), 0),
    count(*) FILTER (WHERE in_b), coalesce(sum(amt_b) FILTER (WHERE in_b), 0)
FROM f
