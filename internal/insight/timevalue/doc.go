// Package timevalue answers two questions about reps' logged time
// (time_entries.csv):
//
//   - Where does the time go? Minutes by category (selling, admin, quoting,
//     proposal, order processing, data entry, training, travel, internal
//     meetings, other) and the selling share, by rep or team and period. Every
//     number is read from the KPI engine: the selling_time_share and
//     admin_time_share KPIs and one measure per category
//     (measure:minutes_quoting, …). See [Load].
//
//   - What would reclaiming non-selling time be worth? The value model of
//     [Project]: for each rep, over the whole range,
//
//     revenue per selling hour = won revenue ÷ selling hours
//     freed hours              = hours in the chosen non-selling categories × reduce %
//     extra selling hours      = freed hours × reclaim %
//     projected gain           = extra selling hours × revenue per selling hour × productivity
//
//     summed over a team's reps (a team covers its sub-teams) and over all
//     reps. Each rep's hours are valued at that rep's own rate: a team's gain
//     is the sum of its reps' gains, not the team's average rate times the
//     team's hours.
//
// The model is deliberately simple and says so. Its assumptions are returned
// with every result, in numbers ([Assumptions]) and in words
// ([Assumptions.Explain]), so that a reader can see and change them:
//
//   - The reduction applies to the chosen non-selling categories (all of them
//     by default); selling time itself is never reduced.
//   - Only the reclaimed share of the freed time becomes selling time; the
//     rest goes to other work or rest.
//   - An extra selling hour earns the rep's past revenue per selling hour
//     times a productivity factor: 1 means as productive as the hours the rep
//     already sells, below 1 means diminishing returns (the best
//     opportunities are already being worked).
//   - The cap: a rep can gain at most the non-selling hours actually logged
//     (reduce ≤ 100%, reclaim ≤ 100%), so the projection never invents time.
//   - It looks back: what the range's revenue would have been, comparing
//     selling time and won revenue of the same range (revenue by close date,
//     to the deal's owner) and ignoring the lag between selling and closing.
//   - A rep without selling time or without won revenue in the range gets no
//     projection, with the reason: there is no rate to value their hours at.
//     Their freed hours are still counted, and reported as not valued.
//
// The model never yields NaN or ±Inf: an undefined rate is null.
package timevalue
