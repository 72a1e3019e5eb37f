// Package grow defines the contracts of progressive training: how a depth is
// sampled for each micro-batch, how an executed depth is mapped onto the real
// (physical) blocks, or, in one decision, which plan of blocks a micro-batch
// executes, and how real blocks are expanded at a stage boundary.
//
// The contracts are plain function types so that plugins, which are Go
// source files interpreted at run time, can provide them. Every value a
// plugin returns is checked by the Check functions of this package before
// the engine uses it.
package grow

import (
	"fmt"
	"math/rand/v2"
)

// SampleState is what a Sampler or a PlanFunc sees before each
// micro-batch.
type SampleState struct {
	// Step is the number of optimizer steps completed before this one,
	// from 0 (metrics.jsonl numbers the same step Step+1).
	Step  int
	Micro int // micro-batch index within the step, from 0
	Stage int // stage index, from 0
	// Progress is the fraction of training completed before this step,
	// in [0, 1]: of the FLOPs budget when the run has one, else of the
	// steps (Step/steps). It is what drives the learning-rate schedule
	// and the stage boundaries, so a plugin that follows it matches any
	// budget.
	Progress float64
	Real     int        // real (physical) layers trained in this stage, N
	Target   int        // target depth of the model, L
	Rand     *rand.Rand // seeded RNG owned by the engine; use only this for randomness
}

// Sampler returns the executed depth L' of the next micro-batch, which must
// lie in [s.Real, s.Target].
type Sampler func(s SampleState) int

// ShareMap returns, for an executed depth, the physical block of each
// executed position: a slice of length depth with values in [0, real).
type ShareMap func(real, depth int) []int

// PlanFunc returns the executed plan of the next micro-batch: the ordered
// physical blocks it runs, each in [0, s.Real), at most s.Target of them
// (the activations are allocated for the target depth). It may skip blocks
// or repeat them. It must be a function of s alone (including s.Rand's
// draws): the engine checks that calling it twice from the same state
// gives the same plan.
type PlanFunc func(s SampleState) []int

// Expander returns, for growth from oldReal to newReal blocks, the source
// slot of each new slot: a slice of length newReal with values in
// [0, oldReal). Slot t of the grown model is a copy of old slot src[t].
type Expander func(oldReal, newReal int) []int

// CheckDepth reports an error unless n <= depth <= l.
func CheckDepth(depth, n, l int) error {
	if depth < n || depth > l {
		return fmt.Errorf("sampled depth %d outside [%d, %d]", depth, n, l)
	}
	return nil
}

// CheckMap reports an error unless m has length want and every value lies
// in [0, limit). What names the map in the message ("share map",
// "expansion map").
func CheckMap(what string, m []int, want, limit int) error {
	if len(m) != want {
		return fmt.Errorf("%s has length %d, want %d", what, len(m), want)
	}
	for i, v := range m {
		if v < 0 || v >= limit {
			return fmt.Errorf("%s[%d] = %d outside [0, %d)", what, i, v, limit)
		}
	}
	return nil
}

// CheckPlan reports an error unless plan is non-empty, at most maxLen long
// and uses only blocks in [0, real).
func CheckPlan(plan []int, real, maxLen int) error {
	if len(plan) == 0 {
		return fmt.Errorf("plan %v is empty", plan)
	}
	if len(plan) > maxLen {
		return fmt.Errorf("plan %v has %d blocks, more than the %d the activations hold", plan, len(plan), maxLen)
	}
	for i, v := range plan {
		if v < 0 || v >= real {
			return fmt.Errorf("plan %v: position %d uses block %d outside [0, %d)", plan, i, v, real)
		}
	}
	return nil
}
