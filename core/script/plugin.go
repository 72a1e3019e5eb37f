package script

import (
	"fmt"
	"reflect"
	"sync"
	"time"

	"workbench/core/grow"
)

// Sampler is a loaded sampler plugin. Its methods may be called from
// several goroutines; calls are serialised.
type Sampler struct {
	Plugin
	fn grow.Sampler
}

// ShareMap is a loaded share-map plugin. Its methods may be called from
// several goroutines; calls are serialised.
type ShareMap struct {
	Plugin
	fn grow.ShareMap
}

// Expander is a loaded expander plugin. Its methods may be called from
// several goroutines; calls are serialised.
type Expander struct {
	Plugin
	fn grow.Expander
}

// Plan is a loaded plan plugin. Its methods may be called from several
// goroutines; calls are serialised.
type Plan struct {
	Plugin
	fn grow.PlanFunc
}

var (
	planType    = reflect.TypeFor[func(grow.SampleState) []int]()
	samplerType = reflect.TypeFor[func(grow.SampleState) int]()
	mapType     = reflect.TypeFor[func(int, int) []int]()
)

// LoadSampler loads the sampler plugin that ref names, such as "lvps",
// "lvpsk:k=10" or "path/to/mine.go".
func (l *Loader) LoadSampler(ref string) (*Sampler, error) {
	p := new(Sampler)
	fn, err := l.load(&p.Plugin, KindSampler, ref, samplerType)
	if err != nil {
		return nil, err
	}
	p.fn = fn.Interface().(func(grow.SampleState) int)
	return p, nil
}

// LoadShareMap loads the share-map plugin that ref names, such as
// "interpolate".
func (l *Loader) LoadShareMap(ref string) (*ShareMap, error) {
	p := new(ShareMap)
	fn, err := l.load(&p.Plugin, KindShareMap, ref, mapType)
	if err != nil {
		return nil, err
	}
	p.fn = fn.Interface().(func(int, int) []int)
	return p, nil
}

// LoadExpander loads the expander plugin that ref names, such as "stack".
func (l *Loader) LoadExpander(ref string) (*Expander, error) {
	p := new(Expander)
	fn, err := l.load(&p.Plugin, KindExpander, ref, mapType)
	if err != nil {
		return nil, err
	}
	p.fn = fn.Interface().(func(int, int) []int)
	return p, nil
}

// LoadPlan loads the plan plugin that ref names, such as "raptr" or
// "pld:gamma=0.01".
func (l *Loader) LoadPlan(ref string) (*Plan, error) {
	p := new(Plan)
	fn, err := l.load(&p.Plugin, KindPlan, ref, planType)
	if err != nil {
		return nil, err
	}
	p.fn = fn.Interface().(func(grow.SampleState) []int)
	return p, nil
}

// Plan calls the plugin's Plan and returns the executed plan of the next
// micro-batch. It returns an error, naming the plugin's file, if the
// plugin panics or returns a plan that is empty, longer than
// s.Target or uses a block outside [0, s.Real).
func (p *Plan) Plan(s grow.SampleState) (plan []int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.enter()()
	p.h.trace.reset()
	defer p.recoverCall(&err)
	plan = p.fn(s)
	if err := grow.CheckPlan(plan, s.Real, s.Target); err != nil {
		return nil, fmt.Errorf("%s: %w", p.path, err)
	}
	return plan, nil
}

// Sample calls the plugin's Sample and returns the executed depth of the
// next micro-batch. It returns an error, naming the plugin's file, if the
// plugin panics or returns a depth outside [s.Real, s.Target].
func (p *Sampler) Sample(s grow.SampleState) (depth int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.enter()()
	p.h.trace.reset()
	defer p.recoverCall(&err)
	depth = p.fn(s)
	if err := grow.CheckDepth(depth, s.Real, s.Target); err != nil {
		return 0, fmt.Errorf("%s: %w", p.path, err)
	}
	return depth, nil
}

// Share calls the plugin's Share and returns the real block of each of the
// depth executed positions. It returns an error, naming the plugin's file,
// if the plugin panics or the map does not have length depth with values
// in [0, real).
func (p *ShareMap) Share(real, depth int) (ids []int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.enter()()
	p.h.trace.reset()
	defer p.recoverCall(&err)
	ids = p.fn(real, depth)
	if err := grow.CheckMap("share map", ids, depth, real); err != nil {
		return nil, fmt.Errorf("%s: Share(%d, %d): %w", p.path, real, depth, err)
	}
	return ids, nil
}

// Expand calls the plugin's Expand and returns the old slot copied into
// each new slot. It returns an error, naming the plugin's file, if the
// plugin panics or the map does not have length newReal with values in
// [0, oldReal).
func (p *Expander) Expand(oldReal, newReal int) (src []int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.enter()()
	p.h.trace.reset()
	defer p.recoverCall(&err)
	src = p.fn(oldReal, newReal)
	if err := grow.CheckMap("expansion map", src, newReal, oldReal); err != nil {
		return nil, fmt.Errorf("%s: Expand(%d, %d): %w", p.path, oldReal, newReal, err)
	}
	return src, nil
}

// inFlight holds the plugin calls under way and when each began.
var inFlight struct {
	sync.Mutex
	calls map[*Plugin]time.Time
}

// enter records the start of a call of the plugin; the returned function
// records its end.
func (p *Plugin) enter() (leave func()) {
	inFlight.Lock()
	if inFlight.calls == nil {
		inFlight.calls = map[*Plugin]time.Time{}
	}
	inFlight.calls[p] = time.Now()
	inFlight.Unlock()
	return func() {
		inFlight.Lock()
		delete(inFlight.calls, p)
		inFlight.Unlock()
	}
}

// Busy returns the file of the plugin whose call, of those under way, began
// first, and when it began; ok is false when no plugin is being called.
// A plugin stuck in an endless loop cannot be stopped: its caller can only
// notice it here and end the process.
func Busy() (path string, since time.Time, ok bool) {
	inFlight.Lock()
	defer inFlight.Unlock()
	for p, t := range inFlight.calls {
		if !ok || t.Before(since) {
			path, since, ok = p.path, t, true
		}
	}
	return path, since, ok
}

// recoverCall turns a panic during a call of the plugin function, or of a
// goroutine that the plugin started, into *err. It must be deferred
// directly.
func (p *Plugin) recoverCall(err *error) {
	if r := recover(); r != nil {
		*err = p.panicError(r)
	}
	if gp := p.h.takeGoPanic(); gp != nil && *err == nil {
		*err = locate(gp, p.path, p.fset, p.file)
	}
}
