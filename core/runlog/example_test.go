package runlog_test

import (
	"encoding/json"
	"fmt"

	"workbench/core/runlog"
)

// A metrics line is written without building a map and read back into
// the same type.
func ExampleMetrics() {
	m := runlog.Metrics{Step: 100, Tokens: 204800, FLOPs: 2.9e12, Depth: 6, SampledDepth: []int{6},
		LR: 0.00095, TrainLoss: 2.41, TrainBPB: 3.48, GradNorm: 0.31, ValLoss: 2.45, ValBPB: 3.53, HasVal: true,
		TokensPerS: 7400, WallS: 27.6}
	line, err := m.AppendJSON(nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(line))

	var back runlog.Metrics
	if err := json.Unmarshal(line, &back); err != nil {
		panic(err)
	}
	fmt.Println(back.Step, back.SampledDepth, back.HasVal, back.ValLoss)
	// Output:
	// {"step":100,"tokens":204800,"flops":2900000000000,"stage":0,"depth":6,"sampled_depth":6,"lr":0.00095,"train_loss":2.41,"train_bpb":3.48,"grad_norm":0.31,"val_loss":2.45,"val_bpb":3.53,"tokens_per_s":7400,"wall_s":27.6}
	// 100 [6] true 2.45
}
