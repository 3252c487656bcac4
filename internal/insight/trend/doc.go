// Package trend answers three questions a sales leader asks of a KPI series
// (one value per month, quarter or week, oldest first, NaN where a period is
// missing):
//
//   - How did the latest period change against the one before it and against
//     the same period one season back? See [Change].
//   - Is the series going up or down, by how much per period, and could that
//     be chance? See [Trend]: the Mann–Kendall test with Sen's slope, or the
//     seasonal Kendall test when the series is seasonal.
//   - Which periods are out of line with the series' own history, after the
//     usual seasonal swings and the trend are allowed for? See [Anomalies].
//
// The methods are rank- and median-based on purpose. KPI series are short
// (three or four years of months), skewed and carry the odd record month or
// data-entry slip; least squares and standard deviations let one such month
// decide the answer, medians and ranks do not. All three functions take the
// season length (12 for months, 4 for quarters, 52 for weeks; 0 or 1 for
// none) and treat NaN and ±Inf as missing periods, which keep their place in
// time but are never compared, fitted or reported.
//
// References:
//
//   - H. B. Mann (1945), Nonparametric tests against trend, Econometrica 13,
//     245–259; M. G. Kendall (1975), Rank Correlation Methods, 4th ed.,
//     Griffin (variance of S with ties).
//   - H. Theil (1950), A rank-invariant method of linear and polynomial
//     regression analysis, Proc. KNAW 53; P. K. Sen (1968), Estimates of the
//     regression coefficient based on Kendall's tau, JASA 63, 1379–1389.
//   - R. O. Gilbert (1987), Statistical Methods for Environmental Pollution
//     Monitoring, Van Nostrand Reinhold, ch. 16–17 (Mann–Kendall, Sen's
//     slope and its confidence interval, seasonal Kendall slope).
//   - R. M. Hirsch, J. R. Slack, R. A. Smith (1982), Techniques of trend
//     analysis for monthly water quality data, Water Resources Research 18,
//     107–121 (seasonal Kendall test and slope).
//   - R. M. Hirsch, J. R. Slack (1984), A nonparametric trend test for
//     seasonal data with serial dependence, Water Resources Research 20,
//     727–732 (the correction not applied here).
//   - F. R. Hampel (1985), The breakdown points of the mean combined with
//     some rejection rules, Technometrics 27, 95–107 (skipped mean).
//   - B. Iglewicz, D. C. Hoaglin (1993), How to Detect and Handle Outliers,
//     ASQC Quality Press (modified z-score, the 3.5 cut-off).
//   - P. J. Rousseeuw, C. Croux (1993), Alternatives to the median absolute
//     deviation, JASA 88, 1273–1283 (MAD × 1.4826 as a robust σ).
//   - R. B. Cleveland, W. S. Cleveland, J. E. McRae, I. Terpenning (1990),
//     STL: a seasonal-trend decomposition procedure based on loess, Journal
//     of Official Statistics 6, 3–73 (robustness iterations).
package trend
