package script

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"workbench/core/train"
)

// LoadHooks loads the plugins that cfg names in Sampler, ShareMap,
// Expander and Plan ("" or "none" names no plugin) and returns the hooks that call
// them. It sets cfg.SourceHash to the sha256 of the plugins' kinds and
// sources ("" without plugins), which a checkpoint records so that
// resuming a run whose plugins were edited is refused. Every problem is
// reported at once. workbench train and the experiment facade both load
// their plugins with it.
func (l *Loader) LoadHooks(cfg *train.Config) (train.Hooks, error) {
	var h train.Hooks
	var errs []error
	var loaded []*Plugin
	if named(cfg.Sampler) {
		p, err := l.LoadSampler(cfg.Sampler)
		errs = append(errs, err)
		if err == nil {
			h.Sample = p.Sample
			loaded = append(loaded, &p.Plugin)
		}
	}
	if named(cfg.ShareMap) {
		p, err := l.LoadShareMap(cfg.ShareMap)
		errs = append(errs, err)
		if err == nil {
			h.Share = p.Share
			loaded = append(loaded, &p.Plugin)
		}
	}
	if named(cfg.Expander) {
		p, err := l.LoadExpander(cfg.Expander)
		errs = append(errs, err)
		if err == nil {
			h.Expand = p.Expand
			loaded = append(loaded, &p.Plugin)
		}
	}
	if named(cfg.Plan) {
		p, err := l.LoadPlan(cfg.Plan)
		errs = append(errs, err)
		if err == nil {
			h.Plan = p.Plan
			loaded = append(loaded, &p.Plugin)
		}
	}
	if l.Check != nil {
		for _, p := range loaded {
			errs = append(errs, l.Check(p))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return train.Hooks{}, err
	}
	cfg.SourceHash = sourceHash(loaded)
	return h, nil
}

// named reports whether a plugin reference names a plugin.
func named(ref string) bool { return ref != "" && ref != "none" }

// sourceHash returns the sha256, in hex, of the plugins' kinds and
// sources, or "" for none.
func sourceHash(ps []*Plugin) string {
	if len(ps) == 0 {
		return ""
	}
	h := sha256.New()
	for _, p := range ps {
		fmt.Fprintf(h, "%v\x00%d\x00", p.Kind(), len(p.Source()))
		h.Write(p.Source())
	}
	return hex.EncodeToString(h.Sum(nil))
}
