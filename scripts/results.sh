#!/usr/bin/env bash
# Regenerates the measurements of docs/results.md (and, with OUT, SET and
# METHODS set, those of scripts/english.sh): every method at the same
# FLOPs budget, several seeds, then one comparison (table, compare.md and
# plots) over all runs, with every final model also evaluated on a text
# from another domain (EVAL, comma-separated files).
#
#   scripts/results.sh                 # defaults below
#   OUT=/tmp/r SEEDS="1 2" scripts/results.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-checkpoints/results}
SEEDS=${SEEDS:-1 2 3}
METHODS=${METHODS:-baseline apollo lvps_k10 stack mslt uniform full nosample apollo_stack}
EVAL=${EVAL:-datasets/opticks-queries.txt}
SET=${SET:-layers=12,dim=128,heads=4,seq=128,batch=16,steps=250,eval-every=25,eval-batches=8,threads=2,ckpt-minutes=0}
go build -o "$OUT/workbench" ./cmd/workbench
for seed in $SEEDS; do
	for m in $METHODS; do
		dir="$OUT/$m-s$seed"
		# A finished run has a summary.json (in a directory named after the
		# method label, which need not be the script's name).
		if compgen -G "$dir/*/summary.json" >/dev/null; then continue; fi
		rm -rf "$dir"
		"$OUT/workbench" run "scripts/$m.go" --set "$SET,seed=$seed" --out "$dir"
	done
done
"$OUT/workbench" compare --eval "$EVAL" --out "$OUT" "$OUT"/*-s*/
