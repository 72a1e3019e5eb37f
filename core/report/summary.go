package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// SummaryFile is the optional record of a finished run inside its
// directory.
const SummaryFile = "summary.json"

// Summary holds what a comparison reads of summary.json: the final
// model's loss on the whole validation split.
type Summary struct {
	ValLoss     float64 `json:"val_loss"`      // nats per token, whole validation split
	ValBPB      float64 `json:"bits_per_byte"` // the same in bits per byte
	Interrupted bool    `json:"interrupted"`   // whether training stopped before its end
}

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
