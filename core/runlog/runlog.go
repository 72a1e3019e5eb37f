// Package runlog defines the records of a run directory's log files: one
// line of metrics.jsonl (Metrics), one line of events.jsonl (Event) and
// summary.json (Summary). core/train writes them and core/report reads
// them through these types, so the two always agree on the format.
package runlog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// File names inside a run directory.
const (
	ConfigFile  = "config.json"   // the run's settings, one JSON object
	MetricsFile = "metrics.jsonl" // one Metrics object per logged optimizer step
	EventsFile  = "events.jsonl"  // one Event object per expansion
	SummaryFile = "summary.json"  // the Summary of a finished or interrupted run
)

// Metrics is one line of metrics.jsonl: the state after a logged optimizer
// step. Step, FLOPs and WallS are required when reading.
type Metrics struct {
	Step   int     `json:"step"`   // completed optimizer steps, counted from 1
	Tokens int64   `json:"tokens"` // cumulative training tokens
	FLOPs  float64 `json:"flops"`  // cumulative training FLOPs
	Stage  int     `json:"stage"`  // stage index, from 0
	Depth  int     `json:"depth"`  // real (physical) layers
	// SampledDepth is the executed depth of each micro-batch of the step;
	// one micro-batch is written as a number, several as a list.
	SampledDepth []int   `json:"sampled_depth"`
	LR           float64 `json:"lr"`           // learning rate of the step
	TrainLoss    float64 `json:"train_loss"`   // mean training loss of the step's micro-batches, nats per token
	TrainBPB     float64 `json:"train_bpb"`    // the same in bits per byte of text; NaN when absent (older logs)
	GradNorm     float64 `json:"grad_norm"`    // global gradient norm before clipping
	ValLoss      float64 `json:"val_loss"`     // loss on the fixed validation windows; meaningful only when HasVal
	ValBPB       float64 `json:"val_bpb"`      // the same in bits per byte; NaN when absent (older logs)
	HasVal       bool    `json:"-"`            // whether validation ran after this step (val_loss is written only then)
	TokensPerS   float64 `json:"tokens_per_s"` // training throughput since the previous line
	WallS        float64 `json:"wall_s"`       // cumulative training seconds, evaluation excluded
	// Plans is the executed plan (physical block indices) of each
	// micro-batch, nil when every one ran the real layers in order; one
	// micro-batch is written as a list, several as a list of lists.
	Plans [][]int `json:"plan"`
}

// AppendJSON appends m as one JSON object (without a newline) to b, with
// the keys in the documented order: step, tokens, flops, stage, depth,
// sampled_depth, lr, train_loss, train_bpb (unless NaN), grad_norm,
// val_loss and val_bpb (when HasVal; val_bpb unless NaN), tokens_per_s,
// wall_s, plan (when Plans is set). It allocates nothing when b has room.
// Any other value that JSON cannot hold (NaN, ±Inf) is an error naming
// its key.
func (m *Metrics) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"step":`...)
	b = strconv.AppendInt(b, int64(m.Step), 10)
	b = append(b, `,"tokens":`...)
	b = strconv.AppendInt(b, m.Tokens, 10)
	var err error
	num := func(key string, x float64) {
		b = append(b, `,"`...)
		b = append(b, key...)
		b = append(b, `":`...)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			if err == nil {
				err = fmt.Errorf("metrics of step %d: %s is %v, which JSON cannot hold", m.Step, key, x)
			}
			x = 0
		}
		b = appendFloat(b, x)
	}
	num("flops", m.FLOPs)
	b = append(b, `,"stage":`...)
	b = strconv.AppendInt(b, int64(m.Stage), 10)
	b = append(b, `,"depth":`...)
	b = strconv.AppendInt(b, int64(m.Depth), 10)
	b = append(b, `,"sampled_depth":`...)
	if len(m.SampledDepth) == 1 {
		b = strconv.AppendInt(b, int64(m.SampledDepth[0]), 10)
	} else {
		b = appendInts(b, m.SampledDepth)
	}
	num("lr", m.LR)
	num("train_loss", m.TrainLoss)
	if !math.IsNaN(m.TrainBPB) {
		num("train_bpb", m.TrainBPB)
	}
	num("grad_norm", m.GradNorm)
	if m.HasVal {
		num("val_loss", m.ValLoss)
		if !math.IsNaN(m.ValBPB) {
			num("val_bpb", m.ValBPB)
		}
	}
	num("tokens_per_s", m.TokensPerS)
	num("wall_s", m.WallS)
	if m.Plans != nil {
		b = append(b, `,"plan":`...)
		if len(m.Plans) == 1 {
			b = appendInts(b, m.Plans[0])
		} else {
			b = append(b, '[')
			for i, p := range m.Plans {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendInts(b, p)
			}
			b = append(b, ']')
		}
	}
	return append(b, '}'), err
}

// appendInts appends xs as a JSON list.
func appendInts(b []byte, xs []int) []byte {
	b = append(b, '[')
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return append(b, ']')
}

// appendFloat appends x as encoding/json formats a float64: the shortest
// decimal that reads back as x, in exponent form only below 1e-6 or from
// 1e21 on.
func appendFloat(b []byte, x float64) []byte {
	format := byte('f')
	if abs := math.Abs(x); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, x, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// MarshalJSON implements json.Marshaler with AppendJSON.
func (m Metrics) MarshalJSON() ([]byte, error) { return m.AppendJSON(nil) }

// UnmarshalJSON implements json.Unmarshaler. "sampled_depth" may be a
// number or a list of numbers, "plan" a list of numbers or a list of
// lists; a missing "train_bpb" or "val_bpb" reads as NaN; a missing
// "step", "flops" or "wall_s" is an error.
func (m *Metrics) UnmarshalJSON(b []byte) error {
	type fields Metrics // the same fields without the methods
	*m = Metrics{}
	w := struct {
		*fields
		Step         *int            `json:"step"`
		FLOPs        *float64        `json:"flops"`
		SampledDepth json.RawMessage `json:"sampled_depth"`
		TrainBPB     *float64        `json:"train_bpb"`
		ValLoss      *float64        `json:"val_loss"`
		ValBPB       *float64        `json:"val_bpb"`
		WallS        *float64        `json:"wall_s"`
		Plans        json.RawMessage `json:"plan"`
	}{fields: (*fields)(m)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fieldPath(err)
	}
	switch {
	case w.Step == nil:
		return errors.New(`missing "step"`)
	case w.FLOPs == nil:
		return errors.New(`missing "flops"`)
	case w.WallS == nil:
		return errors.New(`missing "wall_s"`)
	}
	m.Step, m.FLOPs, m.WallS = *w.Step, *w.FLOPs, *w.WallS
	m.TrainBPB, m.ValBPB = math.NaN(), math.NaN()
	if w.TrainBPB != nil {
		m.TrainBPB = *w.TrainBPB
	}
	if w.ValLoss != nil {
		m.ValLoss, m.HasVal = *w.ValLoss, true
		if w.ValBPB != nil {
			m.ValBPB = *w.ValBPB
		}
	}
	if len(w.SampledDepth) > 0 && string(w.SampledDepth) != "null" {
		var one int
		if err := json.Unmarshal(w.SampledDepth, &one); err == nil {
			m.SampledDepth = []int{one}
		} else if err := json.Unmarshal(w.SampledDepth, &m.SampledDepth); err != nil {
			return errors.New(`field "sampled_depth": want an integer or a list of integers`)
		}
	}
	if len(w.Plans) > 0 && string(w.Plans) != "null" {
		var one []int
		if err := json.Unmarshal(w.Plans, &one); err == nil {
			m.Plans = [][]int{one}
		} else if err := json.Unmarshal(w.Plans, &m.Plans); err != nil {
			return errors.New(`field "plan": want a list of integers or a list of lists`)
		}
	}
	return nil
}

// fieldPath removes the embedded decoding struct from the field path of a
// type error, so that it names the JSON key ("to", not "fields.to").
func fieldPath(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		te.Field = strings.TrimPrefix(te.Field, "fields.")
	}
	return err
}

// Event is one line of events.jsonl: an expansion of the real layers, with
// the validation loss on the fixed windows just before and just after it,
// at native depth and, when the run has a share map, at full depth
// through it. Each loss is in nats per token and, in its *BPB twin, in
// bits per byte of the validation text. Step is required when reading.
type Event struct {
	Kind  string  `json:"event"` // "expand"
	Step  int     `json:"step"`  // optimizer step after which the expansion happened
	FLOPs float64 `json:"flops"` // cumulative training FLOPs at the expansion
	Stage int     `json:"stage"` // stage index after the expansion
	From  int     `json:"from"`  // real layers before
	To    int     `json:"to"`    // real layers after
	Map   []int   `json:"map"`   // source slot of each new slot
	// ValFullBefore and ValFullAfter are nil when the run has no share map.
	ValFullBefore *float64 `json:"val_full_before,omitempty"`
	ValFullAfter  *float64 `json:"val_full_after,omitempty"`
	// ValFullBeforeBPB and ValFullAfterBPB are nil when the run has no
	// share map or the bytes behind the validation split are unknown.
	ValFullBeforeBPB *float64 `json:"val_full_before_bpb,omitempty"`
	ValFullAfterBPB  *float64 `json:"val_full_after_bpb,omitempty"`
	ValNativeBefore  float64  `json:"val_native_before"`
	ValNativeAfter   float64  `json:"val_native_after"`
	// ValNativeBeforeBPB and ValNativeAfterBPB are nil when the bytes
	// behind the validation split are unknown (and in older logs).
	ValNativeBeforeBPB *float64 `json:"val_native_before_bpb,omitempty"`
	ValNativeAfterBPB  *float64 `json:"val_native_after_bpb,omitempty"`
}

// EventExpand is the Kind of an expansion event.
const EventExpand = "expand"

// UnmarshalJSON implements json.Unmarshaler; a missing "step" is an error.
func (e *Event) UnmarshalJSON(b []byte) error {
	type fields Event
	*e = Event{}
	w := struct {
		*fields
		Step *int `json:"step"`
	}{fields: (*fields)(e)}
	if err := json.Unmarshal(b, &w); err != nil {
		return fieldPath(err)
	}
	if w.Step == nil {
		return errors.New(`missing "step"`)
	}
	e.Step = *w.Step
	return nil
}

// Summary is summary.json: the record of a finished or interrupted run.
type Summary struct {
	Steps        int     `json:"steps"`
	Tokens       int64   `json:"tokens"`
	Flops        float64 `json:"flops"`
	WallSeconds  float64 `json:"wall_s"`
	Interrupted  bool    `json:"interrupted"`
	ValLoss      float64 `json:"val_loss"`      // whole validation split, final model at full depth
	ValBPB       float64 `json:"bits_per_byte"` // the same in bits per byte
	ValTokens    int     `json:"val_tokens"`    // tokens predicted
	TokensPerSec float64 `json:"tokens_per_s"`
}

// ReadSummary reads the Summary in the file at path.
func ReadSummary(path string) (Summary, error) {
	var s Summary
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// SameIgnoringTiming reports whether two logs (the contents of
// metrics.jsonl or events.jsonl files) hold the same records line for
// line, apart from the fields that depend on the clock: TokensPerS and
// WallS of metrics lines. A resumed run's logs compare so with those of a
// run that was never stopped.
func SameIgnoringTiming(a, b []byte) bool {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		if bytes.Equal(la[i], lb[i]) {
			continue
		}
		var ma, mb Metrics
		if json.Unmarshal(la[i], &ma) != nil || json.Unmarshal(lb[i], &mb) != nil {
			return false
		}
		ma.TokensPerS, ma.WallS, mb.TokensPerS, mb.WallS = 0, 0, 0, 0
		ja, erra := ma.AppendJSON(nil)
		jb, errb := mb.AppendJSON(nil)
		if erra != nil || errb != nil || !bytes.Equal(ja, jb) {
			return false
		}
	}
	return true
}
