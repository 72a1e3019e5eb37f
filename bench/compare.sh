#!/bin/sh
# compare.sh runs `workbench bench --json` and the PyTorch reference
# (bench/torch_ref.py) on the same configurations and thread counts, one
# after the other, and prints a table with the ratio workbench/PyTorch.
#
# usage: bench/compare.sh [-c CONFIGS] [-t THREADS] [-s STEPS] [-o DIR] [-k]
#
#   -c CONFIGS  comma-separated configurations (default
#               tiny,small,gpt2-124m,gpt2bpe-tiny)
#   -t THREADS  comma-separated thread counts (default 2)
#   -s STEPS    timed steps per configuration (default: automatic, as bench)
#   -o DIR      keep the JSON lines in DIR/workbench.jsonl and DIR/torch.jsonl
#   -k          also time workbench's kernels (kept in the JSON lines)
#
# Environment: PYTHON (default /usr/bin/python3, Debian's, with torch 1.13).
# The PyTorch run always gets OMP_WAIT_POLICY=PASSIVE and, on a CPU with
# AVX-512, OPENBLAS_CORETYPE=SkylakeX (without AVX-512: no
# OPENBLAS_CORETYPE, OpenBLAS's own detection), whatever the environment
# says.
set -eu

configs=tiny,small,gpt2-124m,gpt2bpe-tiny
threads=2
steps=0
outdir=
kernels=false
while getopts c:t:s:o:kh opt; do
	case $opt in
	c) configs=$OPTARG ;;
	t) threads=$OPTARG ;;
	s) steps=$OPTARG ;;
	o) outdir=$OPTARG ;;
	k) kernels=true ;;
	h)
		sed -n '2,21s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "usage: bench/compare.sh [-c CONFIGS] [-t THREADS] [-s STEPS] [-o DIR] [-k]" >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
	echo "compare.sh: unexpected argument \"$1\" (options start with -)" >&2
	exit 2
fi

cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
if ! "$PYTHON" -c 'import torch' 2>/dev/null; then
	echo "compare.sh: $PYTHON cannot import torch (set PYTHON to an interpreter with torch)" >&2
	exit 1
fi
if [ -z "$outdir" ]; then
	outdir=$(mktemp -d)
	trap 'rm -rf "$outdir"' EXIT
else
	mkdir -p "$outdir"
fi
wb=$outdir/workbench.jsonl
pt=$outdir/torch.jsonl
: >"$wb"
: >"$pt"

# OpenBLAS 0.3.21 misdetects CPUs with AVX-512; its SkylakeX kernels stop
# with an illegal instruction on CPUs without.
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then
	OPENBLAS_CORETYPE=SkylakeX
	export OPENBLAS_CORETYPE
else
	unset OPENBLAS_CORETYPE
fi

echo "compare.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), configs $configs, threads $threads, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)" >&2
for t in $(echo "$threads" | tr ',' ' '); do
	echo "compare.sh: workbench, $t threads" >&2
	go run ./cmd/workbench bench --json --threads "$t" --config "$configs" --steps "$steps" --kernels="$kernels" >>"$wb"
	echo "compare.sh: PyTorch, $t threads" >&2
	OMP_WAIT_POLICY=PASSIVE "$PYTHON" bench/torch_ref.py --threads "$t" --config "$configs" --steps "$steps" >>"$pt"
done

"$PYTHON" - "$wb" "$pt" <<'EOF'
import json
import sys


def load(path):
    with open(path) as f:
        return {(r["config"], r["threads"]): r for r in map(json.loads, f)}


wb, pt = load(sys.argv[1]), load(sys.argv[2])
cols = ["config", "threads", "workbench tok/s", "pytorch tok/s", "ratio",
        "workbench ms/step", "pytorch ms/step", "workbench GFLOP/s",
        "pytorch GFLOP/s", "workbench RSS MB", "pytorch RSS MB",
        "cpus wb/pt", "ratio/cpu"]
rows = []
for key, w in wb.items():
    p = pt.get(key)
    if p is None:
        continue
    rows.append([
        w["config"], str(w["threads"]),
        "%.0f" % w["tokens_per_s"], "%.0f" % p["tokens_per_s"],
        "%.2f" % (w["tokens_per_s"] / p["tokens_per_s"]),
        "%.1f" % w["ms_per_step"], "%.1f" % p["ms_per_step"],
        "%.1f" % w["gflops"], "%.1f" % p["gflops"],
        "%.0f" % w["peak_rss_mb"], "%.0f" % p["peak_rss_mb"],
        "%.2f/%.2f" % (w["cpus"], p["cpus"]),
        "%.2f" % (w["tokens_per_s"] / w["cpus"] / (p["tokens_per_s"] / p["cpus"]))
        if w["cpus"] > 0 and p["cpus"] > 0 else "-",
    ])
impls = sorted({r["impl"] for r in wb.values()} | {r["impl"] for r in pt.values()})
print("ratio = workbench tokens/s / PyTorch tokens/s (above 1: workbench is faster); "
      "ratio/cpu = the same per CPU-second used; " + ", ".join(impls))
width = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(cols)]
for r in [cols] + rows:
    print("  ".join(v.rjust(width[i]) if i else v.ljust(width[i]) for i, v in enumerate(r)))
EOF
