#!/bin/sh
# bench.sh measures training throughput of the PyTorch replay next to the
# Go engine on the same run, one after the other in one invocation: the
# default model of `workbench train` (6 layers, d=256, 8 heads, seq 128,
# batch 16, bytes), full depth, STEPS steps.
#
# usage: scale/bench.sh [STEPS]     (default 30; run from the repository root)
#
# Environment: PYTHON (default /usr/bin/python3, with torch and numpy),
# THREADS (default 2). PyTorch gets OMP_WAIT_POLICY=PASSIVE and, on a CPU
# with AVX-512, OPENBLAS_CORETYPE=SkylakeX, as in bench/compare.sh. Prints
# tokens/s of the training steps (evaluation excluded) from each run's
# summary.json. The validation split is kept small (2%), as only training
# is timed.
set -eu
steps=${1:-30}
py=${PYTHON:-/usr/bin/python3}
threads=${THREADS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/workbench" ./cmd/workbench
wb="$tmp/workbench"
"$wb" data encode --tokenizer bytes --val-frac 0.02 --out "$tmp/tokens" --data datasets/tinyshakespeare.txt >/dev/null 2>&1
"$wb" plan scripts/baseline.go --set "steps=$steps,eval-every=$steps,threads=$threads,data=$tmp/tokens" --out "$tmp/plan" --batches 2>/dev/null
"$wb" train --steps "$steps" --eval-every "$steps" --threads "$threads" --data "$tmp/tokens" --method baseline --out "$tmp/go" 2>/dev/null
export OMP_WAIT_POLICY=PASSIVE
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then
	export OPENBLAS_CORETYPE=SkylakeX
fi
"$py" scale/replay.py --plan "$tmp/plan/baseline" --data "$tmp/tokens" --out "$tmp/torch1" --device cpu --threads "$threads"
port=$((20000 + $$ % 20000))
for r in 0 1; do
	MASTER_ADDR=127.0.0.1 MASTER_PORT=$port RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 OMP_NUM_THREADS=1 \
		"$py" scale/replay.py --plan "$tmp/plan/baseline" --data "$tmp/tokens" --out "$tmp/torch2" --device cpu --threads 1 &
done
wait
"$py" - "$tmp" "$steps" "$threads" <<'PY'
import json, sys
tmp, steps, threads = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [("workbench (Go engine)", "go", f"{threads} threads"), ("replay, 1 rank", "torch1", f"{threads} threads"),
        ("replay, 2 ranks (gloo)", "torch2", "1 thread each")]
base = None
print(f"| engine | threads | tokens/s | vs Go | final val loss |  ({steps} steps)")
print("| --- | --- | --: | --: | --: |")
for name, d, th in rows:
    s = json.load(open(f"{tmp}/{d}/summary.json"))
    base = base or s["tokens_per_s"]
    print(f"| {name} | {th} | {s['tokens_per_s']:.0f} | {s['tokens_per_s'] / base:.2f} | {s['val_loss']:.4f} |")
PY
