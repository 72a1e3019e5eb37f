// Package pld is Progressive Layer Dropping (Zhang and He, "Accelerating
// training of Transformer-based language models with progressive layer
// dropping", NeurIPS 2020; DeepSpeed's ProgressiveLayerDrop): each layer is
// skipped with a probability that rises over training and with depth.
//
// The global keep probability is theta(t) = (1 - ThetaMin)·exp(-Gamma·t) +
// ThetaMin, with t the optimizer steps completed (s.Step, DeepSpeed's
// global step), or s.Progress·Horizon when Horizon is positive, so that
// the decay follows the fraction of training whatever its length. Layer i
// of N (counted from 1) is kept with probability
// 1 - (i/N)·(1 - theta(t)): the first layer almost always, the last with
// probability theta(t). Kept layers run in order; nothing is rescaled.
// When every layer is dropped the draw is repeated, so the keep rate of
// layer i is its probability divided by the probability that at least one
// layer is kept.
package pld

import (
	"math"

	"workbench/core/grow"
)

// ThetaMin is the keep probability theta approaches (DeepSpeed: 0.5).
var ThetaMin = 0.5

// Gamma is the decay rate of theta per unit of t (DeepSpeed: 0.001 per
// step).
var Gamma = 0.001

// Horizon, when positive, measures t as s.Progress·Horizon instead of in
// steps: the decay then reaches the same point at the same fraction of
// training for any budget.
var Horizon = 0.0

// Plan returns the layers kept for the next micro-batch.
func Plan(s grow.SampleState) []int {
	if ThetaMin < 0 || ThetaMin > 1 || Gamma < 0 {
		panic("pld: want thetamin in [0, 1] and gamma >= 0")
	}
	n := s.Real
	if n < 1 {
		panic("pld: no real layers")
	}
	// Layer i (from 0) is dropped with probability (i+1)·step.
	step := (1 - Theta(s)) / float64(n)
	plan := make([]int, 0, n)
	for {
		for i := 0; i < n; i++ {
			if s.Rand.Float64() >= float64(i+1)*step {
				plan = append(plan, i)
			}
		}
		if len(plan) > 0 {
			return plan
		}
	}
}

// Theta returns the global keep probability theta(t) at state s.
func Theta(s grow.SampleState) float64 {
	t := float64(s.Step)
	if Horizon > 0 {
		t = s.Progress * Horizon
	}
	return float64((1-ThetaMin)*math.Exp(-Gamma*t)) + ThetaMin
}
