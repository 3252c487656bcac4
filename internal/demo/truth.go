package demo

// RepSkills returns the latent skill of every rep the generator would write
// for cfg, by rep id (R0001 …): the hidden quality that Generate lets drive a
// rep's win probability (∝ skill^0.6), deal size, activity volume and lead
// response. It is the ground truth against which analyses that judge reps
// (coaching verdicts) are evaluated, and is meant for tests and evaluation
// only: real data has no such column, and nothing in the product may read it.
//
// Skills come from the same plan Generate builds (each rep's skill is the
// first draw of that rep's own random stream), so they match the files
// written for the same cfg.
func RepSkills(cfg Config) (map[string]float64, error) {
	cfg, err := cfg.normalise()
	if err != nil {
		return nil, err
	}
	p := newPlan(cfg)
	out := make(map[string]float64, len(p.reps))
	for i, r := range p.reps {
		out[string(appendID(nil, idRep, i+1))] = r.skill
	}
	return out, nil
}
