// Package grow defines the contracts of progressive training: how a depth is
// sampled for each micro-batch, how an executed depth is mapped onto the real
// (physical) blocks, and how real blocks are expanded at a stage boundary.
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

// SampleState is what a Sampler sees before each micro-batch.
type SampleState struct {
	Step   int        // optimizer step, from 0
	Micro  int        // micro-batch index within the step, from 0
	Stage  int        // stage index, from 0
	Real   int        // real (physical) layers trained in this stage, N
	Target int        // target depth of the model, L
	Rand   *rand.Rand // seeded RNG owned by the engine; use only this for randomness
}

// Sampler returns the executed depth L' of the next micro-batch, which must
// lie in [s.Real, s.Target].
type Sampler func(s SampleState) int

// ShareMap returns, for an executed depth, the physical block of each
// executed position: a slice of length depth with values in [0, real).
type ShareMap func(real, depth int) []int

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
