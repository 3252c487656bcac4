// Package calc is the pure arithmetic of goals: splitting a target down a team
// tree, pacing a target over its period, judging a goal's status, baselines and
// achievability from history, and the alignment report.
//
// Nothing here touches a database, the file system, the network or the clock:
// every function is deterministic, so callers pass in the history, the elapsed
// share of a period and the thresholds they want.
package calc
