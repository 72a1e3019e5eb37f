package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"workbench/core/runlog"
)

// SummaryFile is the optional record of a finished run inside its
// directory.
const SummaryFile = runlog.SummaryFile

// Summary is summary.json: the run's totals and the final model's loss on
// the whole validation split (ValLoss, ValBPB).
type Summary = runlog.Summary

func (r *Run) loadSummary(path string) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var s Summary
	if err := strictDecode(data, &s); err != nil {
		return fmt.Errorf("%s:%d: %s", path, lineOf(data, err), describe(err))
	}
	r.Summary = &s
	return nil
}
