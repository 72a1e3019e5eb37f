// Package report compares training runs: it loads run directories
// (config.json, metrics.jsonl, events.jsonl), finds the FLOPs and
// wall-clock seconds each run needs to first reach a target validation loss,
// and writes the comparison as an aligned text table, a Markdown document
// and plots of validation loss against FLOPs and against time.
//
// The target is the final validation loss of a reference run, by default
// the mean over the runs whose method is "baseline". A run first reaches
// the target where its validation curve, linearly interpolated between the
// two evaluations that bracket the crossing, meets it (see Run.Reach). The
// saving of a run is 1 − (FLOPs to reach the target) / (the reference's
// total FLOPs), and the same for wall time. Runs of one method with
// different seeds are aggregated as mean ± sample standard deviation.
//
// The package only reads files; it depends on no other workbench package.
package report
