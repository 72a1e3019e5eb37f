// Package report compares training runs: it loads run directories
// (config.json, metrics.jsonl, events.jsonl, summary.json), or the run
// directories of an experiment directory (RunDirs), finds the FLOPs and
// wall-clock seconds each run needs to first reach a target validation
// loss, and writes the comparison as an aligned text table, a Markdown
// document and plots of validation loss against FLOPs and against time.
//
// The target is the final validation loss of the reference: the runs of
// one method, by default "baseline" (Options.RefMethod), which must differ
// only in their seed. A run first reaches the target where its validation
// curve, linearly interpolated between the two evaluations that bracket
// the crossing, meets it (see Run.Reach). The saving of a run is 1 − (FLOPs
// to reach the target) / (the reference's total FLOPs), and the same for
// wall time. Runs of one method with different seeds are aggregated as
// mean ± sample standard deviation.
//
// EvalFiles also evaluates each run's final model on extra text files with
// the evaluation of workbench eval (core/train), caching the results in the
// run directory; the comparison then shows each file's loss, bits per byte
// and the difference to the reference. Everything else only reads files.
package report
