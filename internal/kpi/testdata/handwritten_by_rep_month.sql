-- Hand-written DuckDB SQL for the whole catalog by rep by month, over
-- [$from, $to) with whole months. It is the baseline the engine is timed against
-- in docs/benchmarks.md and a second, independent computation that the engine's
-- numbers are checked against on generated data. Each statement yields
-- (month, rep, one column per KPI).

-- activities
SELECT date_trunc('month', occurred_at) AS month, rep_id AS rep,
       count(*) FILTER (WHERE type = 'call') AS calls_made,
       count(*) FILTER (WHERE type = 'email' AND coalesce(direction, 'outbound') = 'outbound') AS emails_sent,
       count(*) FILTER (WHERE type IN ('meeting', 'demo')) AS meetings_scheduled,
       count(*) FILTER (WHERE type IN ('meeting', 'demo') AND attended) AS meetings_held,
       count(*) / count(DISTINCT rep_id) AS activities_per_rep,
       count(*) FILTER (WHERE type = 'email' AND coalesce(direction, 'outbound') = 'outbound' AND opened_at IS NOT NULL)
         / nullif(count(*) FILTER (WHERE type = 'email' AND coalesce(direction, 'outbound') = 'outbound'), 0) AS email_open_rate,
       count(*) FILTER (WHERE type = 'email' AND coalesce(direction, 'outbound') = 'outbound' AND clicked_at IS NOT NULL)
         / nullif(count(*) FILTER (WHERE type = 'email' AND coalesce(direction, 'outbound') = 'outbound'), 0) AS email_click_rate,
       count(*) FILTER (WHERE type IN ('meeting', 'demo') AND attended)
         / nullif(count(*) FILTER (WHERE type IN ('meeting', 'demo') AND attended IS NOT NULL), 0) AS meeting_attendance_rate
FROM activities
WHERE occurred_at >= $from AND occurred_at < $to
GROUP BY ALL;

-- follow-up gaps, attributed to the later activity
SELECT date_trunc('month', occurred_at) AS month, rep_id AS rep,
       median(gap) AS follow_up_days
FROM (
    SELECT rep_id, occurred_at,
           (epoch_ms(occurred_at) - epoch_ms(lag(occurred_at) OVER (PARTITION BY opportunity_id ORDER BY occurred_at, activity_id))) / 86400000.0 AS gap
    FROM activities WHERE opportunity_id IS NOT NULL
)
WHERE gap IS NOT NULL AND occurred_at >= $from AND occurred_at < $to
GROUP BY ALL;

-- leads
SELECT date_trunc('month', l.created_at) AS month, l.owner_rep_id AS rep,
       count(*) AS new_leads,
       count(l.opportunity_id) / count(*) AS lead_to_opportunity_rate,
       count(*) FILTER (WHERE o.status = 'won') / count(*) AS lead_conversion_rate,
       median((epoch_ms(l.first_response_at) - epoch_ms(l.created_at)) / 60000.0) AS lead_response_minutes
FROM leads l LEFT JOIN opportunities o USING (opportunity_id)
WHERE l.created_at >= $from AND l.created_at < $to
GROUP BY ALL;

-- closed deals
WITH firsts AS (
    SELECT opportunity_id FROM opportunities WHERE status = 'won' AND account_id IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY account_id ORDER BY close_date, opportunity_id) = 1
), closed AS (
    SELECT date_trunc('month', close_date) AS month, owner_rep_id AS rep,
           count(*) FILTER (WHERE status = 'won') AS won,
           count(*) FILTER (WHERE status = 'lost') AS lost,
           coalesce(sum(amount) FILTER (WHERE status = 'won'), 0) AS won_amount,
           sum(amount) FILTER (WHERE status = 'won' AND cost IS NOT NULL) AS costed_amount,
           coalesce(sum(cost) FILTER (WHERE status = 'won'), 0) AS won_cost,
           avg(date_diff('day', created_at::DATE, close_date::DATE)) FILTER (WHERE status = 'won') AS cycle_mean,
           median(date_diff('day', created_at::DATE, close_date::DATE)) FILTER (WHERE status = 'won') AS cycle_median,
           coalesce(sum(amount) FILTER (WHERE status = 'won' AND type IN ('upsell', 'cross_sell')), 0) AS upsell,
           count(*) FILTER (WHERE opportunity_id IN (SELECT opportunity_id FROM firsts)) AS new_customers
    FROM opportunities
    WHERE close_date >= $from AND close_date < $to AND status IN ('won', 'lost')
    GROUP BY ALL
), created AS (
    SELECT date_trunc('month', created_at) AS month, owner_rep_id AS rep, count(*) AS n, sum(amount) AS amount
    FROM opportunities WHERE created_at >= $from AND created_at < $to GROUP BY ALL
)
SELECT coalesce(c.month, k.month) AS month, coalesce(c.rep, k.rep) AS rep,
       c.won / nullif(c.won + c.lost, 0) AS win_rate,
       coalesce(k.n, 0) / nullif(c.won, 0) AS opportunity_to_win_ratio,
       c.cycle_mean AS sales_cycle_days,
       c.cycle_median AS sales_cycle_days_median,
       c.won_amount / nullif(c.won, 0) AS average_deal_size,
       coalesce(c.won_amount, 0) AS revenue,
       coalesce(c.upsell, 0) AS upsell_cross_sell_revenue,
       (c.costed_amount - c.won_cost) / nullif(c.costed_amount, 0) AS gross_margin,
       coalesce(c.new_customers, 0) AS new_customers,
       coalesce(k.amount, 0) AS pipeline_created
FROM closed c FULL OUTER JOIN created k ON k.month = c.month AND k.rep IS NOT DISTINCT FROM c.rep;

-- open pipeline at each month's end, coverage from the month's start, quota attainment
WITH months AS (
    SELECT m AS month, m + INTERVAL 1 MONTH AS month_end
    FROM range($from, $to, INTERVAL 1 MONTH) t(m)
), probs AS (
    SELECT s.stage, avg(CASE WHEN o.status = 'won' THEN 1.0 ELSE 0.0 END) AS p
    FROM (SELECT opportunity_id, lower(stage) AS stage FROM opportunity_stages
          UNION SELECT opportunity_id, lower(stage) FROM opportunities) s
    JOIN opportunities o USING (opportunity_id)
    WHERE o.status IN ('won', 'lost') GROUP BY ALL
), open_end AS (
    SELECT m.month, o.owner_rep_id AS rep, count(*) AS n, sum(o.amount) AS amount,
           sum(o.amount * coalesce(o.probability, pr.p)) AS weighted
    FROM months m JOIN opportunities o
      ON o.created_at < m.month_end AND (o.status = 'open' OR o.close_date >= m.month_end)
    LEFT JOIN probs pr ON pr.stage = lower(o.stage)
    GROUP BY ALL
), due AS (
    SELECT m.month, o.owner_rep_id AS rep, sum(o.amount) AS amount
    FROM months m JOIN opportunities o
      ON o.created_at < m.month AND (o.status = 'open' OR o.close_date >= m.month)
     AND o.close_date >= m.month AND o.close_date < m.month_end
    GROUP BY ALL
), quota AS (
    SELECT m.month, q.rep_id AS rep,
           sum(q.amount * date_diff('day', greatest(q.period_start, m.month), least(q.period_end + INTERVAL 1 DAY, m.month_end))
               / date_diff('day', q.period_start, q.period_end + INTERVAL 1 DAY)) AS amount
    FROM months m JOIN quotas q ON q.period_start < m.month_end AND q.period_end + INTERVAL 1 DAY > m.month
    WHERE q.rep_id IS NOT NULL
    GROUP BY ALL
), won AS (
    SELECT date_trunc('month', close_date) AS month, owner_rep_id AS rep,
           count(*) FILTER (WHERE status = 'won') AS won, count(*) AS closed,
           sum(amount) FILTER (WHERE status = 'won') AS amount,
           avg(date_diff('day', created_at::DATE, close_date::DATE)) FILTER (WHERE status = 'won') AS cycle
    FROM opportunities WHERE status IN ('won', 'lost') AND close_date >= $from AND close_date < $to
    GROUP BY ALL
), headcount AS (
    SELECT m.month, r.rep_id AS rep
    FROM months m JOIN reps r
      ON (r.hired_on IS NULL OR r.hired_on < m.month_end) AND (r.left_on IS NULL OR r.left_on >= m.month_end)
), keys AS (
    SELECT month, rep FROM open_end UNION SELECT month, rep FROM due UNION SELECT month, rep FROM quota
    UNION SELECT month, rep FROM won UNION SELECT month, rep FROM headcount
)
SELECT k.month, k.rep,
       oe.amount AS pipeline_value,
       oe.weighted AS weighted_pipeline,
       coalesce(d.amount, 0) / nullif(q.amount, 0) AS pipeline_coverage,
       coalesce(oe.n, 0) * (w.won / nullif(w.closed, 0)) * (w.amount / nullif(w.won, 0)) / nullif(w.cycle, 0) AS sales_velocity,
       coalesce(w.amount, 0) / nullif(q.amount, 0) AS quota_attainment,
       CASE WHEN q.amount > 0 THEN CASE WHEN coalesce(w.amount, 0) / q.amount >= 1 THEN 1.0 ELSE 0.0 END END AS reps_at_quota,
       CASE WHEN h.rep IS NOT NULL AND coalesce(oe.amount, 0) <> 0 THEN 0.0 END AS workload_balance
FROM keys k
LEFT JOIN open_end oe ON oe.month = k.month AND oe.rep IS NOT DISTINCT FROM k.rep
LEFT JOIN due d ON d.month = k.month AND d.rep IS NOT DISTINCT FROM k.rep
LEFT JOIN quota q ON q.month = k.month AND q.rep IS NOT DISTINCT FROM k.rep
LEFT JOIN won w ON w.month = k.month AND w.rep IS NOT DISTINCT FROM k.rep
LEFT JOIN headcount h ON h.month = k.month AND h.rep IS NOT DISTINCT FROM k.rep;

-- subscriptions and customers, owned by the account owner
WITH months AS (
    SELECT m AS month, m + INTERVAL 1 MONTH AS month_end FROM range($from, $to, INTERVAL 1 MONTH) t(m)
), per_account AS (
    SELECT m.month, s.account_id,
           sum(s.mrr) FILTER (WHERE s.start_date < m.month AND (s.end_date IS NULL OR s.end_date >= m.month)) AS mrr_start,
           sum(s.mrr) FILTER (WHERE s.start_date < m.month_end AND (s.end_date IS NULL OR s.end_date >= m.month_end)) AS mrr_end
    FROM months m JOIN subscriptions s ON s.start_date < m.month_end AND (s.end_date IS NULL OR s.end_date >= m.month)
    GROUP BY ALL
), per_rep AS (
    SELECT p.month, a.owner_rep_id AS rep,
           coalesce(sum(p.mrr_end), 0) AS mrr,
           count(*) FILTER (WHERE p.mrr_start IS NOT NULL) AS at_start,
           count(*) FILTER (WHERE p.mrr_end IS NOT NULL) AS at_end,
           count(*) FILTER (WHERE p.mrr_start IS NOT NULL AND p.mrr_end IS NOT NULL) AS kept,
           count(*) FILTER (WHERE p.mrr_start IS NOT NULL AND p.mrr_end IS NULL) AS lost,
           sum(p.mrr_start) AS mrr_start,
           sum(p.mrr_end) FILTER (WHERE p.mrr_start IS NOT NULL) AS mrr_kept
    FROM per_account p LEFT JOIN accounts a ON a.account_id = p.account_id
    GROUP BY ALL
), margin AS (
    SELECT date_trunc('month', close_date) AS month, owner_rep_id AS rep,
           (sum(amount) - sum(cost)) / nullif(sum(amount), 0) AS gm
    FROM opportunities WHERE status = 'won' AND cost IS NOT NULL AND close_date >= $from AND close_date < $to
    GROUP BY ALL
)
SELECT p.month, p.rep,
       p.mrr AS mrr,
       12 * p.mrr AS arr,
       p.mrr_kept / nullif(p.mrr_start, 0) AS net_revenue_retention,
       p.kept / nullif(p.at_start, 0) AS customer_retention_rate,
       p.lost / nullif(p.at_start, 0) AS churn_rate,
       (p.mrr / nullif(p.at_end, 0)) * g.gm / nullif(p.lost / nullif(p.at_start, 0), 0) AS customer_lifetime_value
FROM per_rep p LEFT JOIN margin g ON g.month = p.month AND g.rep IS NOT DISTINCT FROM p.rep;

-- NPS, owned by the account owner
SELECT date_trunc('month', n.responded_at) AS month, a.owner_rep_id AS rep,
       100.0 * (count(*) FILTER (WHERE n.score >= 9) - count(*) FILTER (WHERE n.score <= 6)) / count(*) AS nps
FROM nps_responses n LEFT JOIN accounts a USING (account_id)
WHERE n.responded_at >= $from AND n.responded_at < $to
GROUP BY ALL;

-- time allocation
SELECT date_trunc('month', date) AS month, rep_id AS rep,
       sum(minutes) FILTER (WHERE category = 'selling') / nullif(sum(minutes), 0) AS selling_time_share,
       sum(minutes) FILTER (WHERE category IN ('admin', 'data_entry', 'quoting', 'proposal', 'order_processing')) / nullif(sum(minutes), 0) AS admin_time_share
FROM time_entries WHERE date >= $from AND date < $to
GROUP BY ALL;

-- revenue growth against the previous month (the month before $from included), for
-- reps with closed deals this month or last
SELECT month, rep, revenue / nullif(prev, 0) - 1 AS revenue_growth
FROM (
    SELECT m.month, r.rep, coalesce(w.revenue, 0) AS revenue,
           coalesce(lag(w.revenue) OVER (PARTITION BY r.rep ORDER BY m.month), 0) AS prev, w.closed IS NOT NULL AS has,
           coalesce(lag(w.closed IS NOT NULL) OVER (PARTITION BY r.rep ORDER BY m.month), FALSE) AS had
    FROM range($from - INTERVAL 1 MONTH, $to, INTERVAL 1 MONTH) m(month)
    CROSS JOIN (SELECT DISTINCT owner_rep_id AS rep FROM opportunities) r
    LEFT JOIN (SELECT date_trunc('month', close_date) AS month, owner_rep_id AS rep,
                      sum(amount) FILTER (WHERE status = 'won') AS revenue, count(*) AS closed
               FROM opportunities WHERE status IN ('won', 'lost') GROUP BY ALL) w
      ON w.month = m.month AND w.rep = r.rep
)
WHERE (has OR had) AND month >= $from;

-- data quality: the rules of docs/kpis.md written out again, record type by record type
-- (a record passes when it breaks none)
WITH today AS (SELECT $today AS d),
amount_groups AS (
    -- log-amount quartiles of the deals of each product and account segment
    SELECT o.product, a.segment, count(*) AS n,
           quantile_cont(ln(o.amount), 0.25) AS q1, quantile_cont(ln(o.amount), 0.5) AS q2, quantile_cont(ln(o.amount), 0.75) AS q3
    FROM opportunities o LEFT JOIN accounts a ON a.account_id = o.account_id
    WHERE o.amount > 0
    GROUP BY ALL
), records AS (
    SELECT o.owner_rep_id AS rep, o.created_at AS t,
           EXISTS (SELECT 1 FROM accounts x WHERE x.account_id = o.account_id)
           AND EXISTS (SELECT 1 FROM reps r WHERE r.rep_id = o.owner_rep_id)
           AND NOT EXISTS (SELECT 1 FROM reps r WHERE r.rep_id = o.owner_rep_id AND r.left_on <= (SELECT d FROM today)
                           AND (o.status = 'open' OR o.created_at >= r.left_on OR o.close_date >= r.left_on))
           AND o.amount > 0
           AND NOT coalesce(g.n >= 20 AND (
                   (ln(o.amount) > g.q3 + 3 * (g.q3 - g.q1) AND o.amount > 10 * exp(g.q2))
                   OR (ln(o.amount) < g.q1 - 3 * (g.q3 - g.q1) AND o.amount < exp(g.q2) / 10)), FALSE)
           AND NOT (o.status = 'open' AND o.close_date < (SELECT d FROM today))
           AND NOT (o.status = 'won' AND contains(lower(o.stage), 'lost'))
           AND NOT (o.status = 'lost' AND contains(lower(o.stage), 'won'))
           AND NOT (o.status = 'open' AND (contains(lower(o.stage), 'won') OR contains(lower(o.stage), 'lost')))
           AND o.close_date::DATE >= o.created_at::DATE AS ok
    FROM opportunities o
    LEFT JOIN accounts a ON a.account_id = o.account_id
    LEFT JOIN amount_groups g ON g.product IS NOT DISTINCT FROM o.product AND g.segment IS NOT DISTINCT FROM a.segment
    UNION ALL
    SELECT l.owner_rep_id, l.created_at,
           r.rep_id IS NOT NULL
           AND NOT coalesce(l.created_at >= r.left_on, FALSE)
           AND NOT coalesce(l.first_response_at < l.created_at, FALSE)
           AND l.source IS NOT NULL
           AND (l.email IS NULL OR (SELECT count(*) FROM leads l2 WHERE lower(trim(l2.email)) = lower(trim(l.email))) = 1)
    FROM leads l LEFT JOIN reps r ON r.rep_id = l.owner_rep_id
    UNION ALL
    SELECT c.owner_rep_id, c.created_at,
           r.rep_id IS NOT NULL
           AND NOT coalesce(r.left_on <= (SELECT d FROM today), FALSE)
           AND (c.k = '' OR count(*) OVER (PARTITION BY c.k) = 1)
    FROM (SELECT *, lower(regexp_replace(name, '[\s\p{P}\p{S}]', '', 'g')) AS k FROM accounts) c
    LEFT JOIN reps r ON r.rep_id = c.owner_rep_id
    UNION ALL
    SELECT a.rep_id, a.occurred_at,
           r.rep_id IS NOT NULL
           AND NOT coalesce(a.occurred_at >= r.left_on, FALSE)
           AND (a.opportunity_id IS NULL OR o.opportunity_id IS NOT NULL)
           AND NOT coalesce(o.status IN ('won', 'lost') AND a.occurred_at::DATE > o.close_date::DATE, FALSE)
    FROM activities a LEFT JOIN reps r ON r.rep_id = a.rep_id LEFT JOIN opportunities o ON o.opportunity_id = a.opportunity_id
    UNION ALL
    SELECT o.owner_rep_id, s.entered_at,
           o.opportunity_id IS NOT NULL
           AND s.entered_at::DATE >= o.created_at::DATE
           AND NOT (o.status IN ('won', 'lost') AND s.entered_at::DATE > o.close_date::DATE)
           AND NOT ((contains(lower(s.stage), 'won') OR contains(lower(s.stage), 'lost'))
                    AND EXISTS (SELECT 1 FROM opportunity_stages s2 WHERE s2.opportunity_id = s.opportunity_id AND s2.entered_at > s.entered_at))
    FROM opportunity_stages s LEFT JOIN opportunities o ON o.opportunity_id = s.opportunity_id
)
SELECT date_trunc('month', t) AS month, rep, count(*) FILTER (WHERE ok) / count(*) AS crm_data_accuracy
FROM records WHERE t >= $from AND t < $to
GROUP BY ALL;
