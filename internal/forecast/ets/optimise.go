package ets

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// logistic maps the optimiser's unconstrained coordinates onto (0,1), which
// keeps every trial point a valid smoothing parameter without a constrained
// method; Nelder–Mead needs no gradients, and SSE is cheap to evaluate.
func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func logit(p float64) float64 { return math.Log(p / (1 - p)) }

// penalty stands in for an SSE that cannot be computed (multiplicative
// breakdown). It is finite because gonum rejects an infinite starting value,
// and huge so the simplex moves away from such points.
const penalty = 1e300

// optimise minimises the one-step SSE over the smoothing parameters that the
// model form uses; the others come back as 0.
func optimise(y []float64, s spec, st initState) (alpha, beta, gamma float64) {
	dim := 1
	if s.trend {
		dim++
	}
	if s.season != NoSeason {
		dim++
	}
	unpack := func(x []float64) (a, b, g float64) {
		a = logistic(x[0])
		i := 1
		if s.trend {
			b = logistic(x[i])
			i++
		}
		if s.season != NoSeason {
			g = logistic(x[i])
		}
		return a, b, g
	}
	obj := func(x []float64) float64 {
		a, b, g := unpack(x)
		_, _, _, sse, ok := run(y, a, b, g, s, st, nil)
		if !ok {
			return penalty
		}
		return sse
	}
	// Two starts guard against the simplex settling in the flat region that
	// SSE surfaces often have near the boundaries (e.g. β* → 0).
	starts := [][3]float64{{0.3, 0.05, 0.1}, {0.7, 0.3, 0.3}}
	bestF := math.Inf(1)
	var bestX []float64
	for _, p := range starts {
		x0 := []float64{logit(p[0])}
		if s.trend {
			x0 = append(x0, logit(p[1]))
		}
		if s.season != NoSeason {
			x0 = append(x0, logit(p[2]))
		}
		x0 = x0[:dim]
		// Minimize reports hitting the evaluation budget as an error, but the
		// result still carries the best point found, so only a missing result
		// is discarded.
		res, _ := optimize.Minimize(
			optimize.Problem{Func: obj},
			x0,
			&optimize.Settings{
				FuncEvaluations: 2000,
				Converger: &optimize.FunctionConverge{
					Absolute:   1e-10,
					Relative:   1e-10,
					Iterations: 50,
				},
			},
			&optimize.NelderMead{},
		)
		if res == nil {
			continue
		}
		if res.F < bestF {
			bestF = res.F
			bestX = res.X
		}
	}
	if bestX == nil {
		// Unreachable in practice (the starts are finite); fall back to the
		// first start rather than failing the fit.
		p := starts[0]
		return p[0], b0(s, p[1]), g0(s, p[2])
	}
	return unpack(bestX)
}

func b0(s spec, v float64) float64 {
	if s.trend {
		return v
	}
	return 0
}

func g0(s spec, v float64) float64 {
	if s.season != NoSeason {
		return v
	}
	return 0
}
