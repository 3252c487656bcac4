// Package demo generates a deterministic, realistic B2B SaaS sales
// organisation of any size and writes it as the canonical CSV files of the
// salesops data contract (see DESIGN.md, "Data contract: canonical CSV").
//
// The organisation is a team tree (global root, regions, teams of ~8 with a
// manager, SDRs and AEs) whose reps differ in a latent skill that drives
// their activity, win rate and deal size. Leads flow from campaigns to SDRs,
// convert into opportunities that move through prospecting, qualification,
// discovery, proposal and negotiation to closed_won or closed_lost (their
// close dates slipping, sometimes pulled in, amounts revised and forecast
// categories raised along the way, in opportunity_history.csv), won deals
// become subscriptions that expand, renew, contract or churn, and everyone
// logs activities and time. An A/B test (exp_call_script) has a real effect
// on lead conversion; another (exp_demo_first) has none.
//
// Each leaf team is generated from its own random streams, so the same seed
// and config give byte-identical files however the work is scheduled.
package demo

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Config sizes the organisation.
type Config struct {
	Seed   uint64    // same seed + same config => byte-identical files
	Reps   int       // number of sales reps (10 .. 5000); validate, clear error otherwise
	Months int       // months of history (1 .. 120)
	End    time.Time // exclusive end of history, first day of a month, UTC; zero => 2026-10-01
}

// Stats reports what was written (rows per file name, e.g. "activities.csv": 123).
type Stats struct{ Rows map[string]int64 }

// DefaultEnd stands in for a zero Config.End: the history ends just before it.
var DefaultEnd = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

func (c Config) normalise() (Config, error) {
	if c.Reps < 10 || c.Reps > 5000 {
		return c, fmt.Errorf("demo: reps must be between 10 and 5000, got %d", c.Reps)
	}
	if c.Months < 1 || c.Months > 120 {
		return c, fmt.Errorf("demo: months must be between 1 and 120, got %d", c.Months)
	}
	if c.End.IsZero() {
		c.End = DefaultEnd
	}
	c.End = c.End.UTC()
	if c.End.Day() != 1 || c.End.Hour() != 0 || c.End.Minute() != 0 || c.End.Second() != 0 || c.End.Nanosecond() != 0 {
		return c, fmt.Errorf("demo: end must be midnight UTC on the first day of a month, got %s", c.End.Format(time.RFC3339Nano))
	}
	if y := c.End.AddDate(0, -c.Months, 0).Year(); y < 1971 || c.End.Year() > 9999 {
		return c, fmt.Errorf("demo: history %d months before %s is out of range", c.Months, c.End.Format("2006-01-02"))
	}
	return c, nil
}

// plan is everything decided before any team is generated: the calendar,
// the org, campaigns, experiments and activity normalisation. It is read-only
// once built, so units can share it across goroutines.
type plan struct {
	cfg              Config
	cal              calendar
	teams            []team
	reps             []rep
	emails           map[string]bool
	units            []int // leaf team indices in file order
	campaigns        []campaign
	quarterCampaigns [][][]int // [quarter][source] -> campaigns live then
	actNorm          float64   // scales actWeight to ~210 activities per rep-month
	expLeadFrom      int64     // exp_call_script covers leads created from here on
	expOppFrom       int64     // exp_demo_first covers new business created from here on
}

func newPlan(cfg Config) *plan {
	p := &plan{cfg: cfg, cal: newCalendar(cfg.End, cfg.Months), emails: map[string]bool{}}
	p.buildOrg()
	p.buildCampaigns()
	for i, t := range p.teams {
		if t.leaf {
			p.units = append(p.units, i)
		}
	}
	// The experiments run over the later part of the history, as a test
	// launched partway through would.
	p.expLeadFrom = p.cal.months[cfg.Months/2]
	p.expOppFrom = p.cal.months[cfg.Months/3]
	var w float64
	for i := range p.reps {
		for m := range cfg.Months {
			w += p.actWeight(i, m)
		}
	}
	p.actNorm = activityPerRepMonth * float64(cfg.Reps*cfg.Months) / w
	return p
}

// Generate writes teams.csv, reps.csv, accounts.csv, leads.csv, opportunities.csv, opportunity_stages.csv,
// opportunity_history.csv, activities.csv, time_entries.csv, quotas.csv, spend.csv, subscriptions.csv, nps_responses.csv,
// experiment_assignments.csv into dir (created if missing). Never uses time.Now.
//
// Files are written under temporary names and moved into place only when
// everything succeeded; on error or cancellation nothing new is left in dir.
func Generate(ctx context.Context, dir string, cfg Config) (Stats, error) {
	cfg, err := cfg.normalise()
	if err != nil {
		return Stats{}, err
	}
	if err := ctx.Err(); err != nil {
		return Stats{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	p := newPlan(cfg)
	out, err := createOutput(dir)
	if err != nil {
		return Stats{}, err
	}
	defer out.discard()
	out.leadCounts = make([]int64, cfg.Months*len(p.campaigns))
	if err := out.writeOrg(p); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	if err := p.run(ctx, out); err != nil {
		return Stats{}, err
	}
	if err := out.writeSpend(p); err != nil {
		return Stats{}, fmt.Errorf("demo: %w", err)
	}
	if err := out.commit(); err != nil {
		return Stats{}, err
	}
	return out.stats(), nil
}

type unitResult struct {
	u   *unit
	err error
}

// run generates the teams on all CPUs and writes them strictly in team
// order. A worker takes a token before claiming the next team, and the
// writer returns it after writing, so at most workers+1 teams are in memory
// and the team the writer waits for is always being worked on.
func (p *plan) run(ctx context.Context, out *output) error {
	n := len(p.units)
	workers := max(1, min(n, runtime.GOMAXPROCS(0)))
	ctx, cancel := context.WithCancel(ctx)
	results := make([]chan unitResult, n)
	for i := range results {
		results[i] = make(chan unitResult, 1)
	}
	tokens := make(chan struct{}, workers+1)
	var next atomic.Int64
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return
				}
				k := int(next.Add(1)) - 1
				if k >= n {
					<-tokens
					return
				}
				u, err := p.generateUnit(ctx, k)
				results[k] <- unitResult{u, err}
			}
		}()
	}
	for k := range n {
		var res unitResult
		select {
		case res = <-results[k]:
		case <-ctx.Done():
			return ctx.Err()
		}
		if res.err != nil {
			return res.err
		}
		if err := out.writeUnit(p, res.u); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		<-tokens
	}
	return ctx.Err()
}
