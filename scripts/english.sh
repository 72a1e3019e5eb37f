#!/usr/bin/env bash
# The first result on real text: baseline, Apollo and stacking at equal
# FLOPs on the packaged English corpus, tokenized with a byte-level BPE of
# VOCAB tokens trained on the corpus's training documents only, then one
# comparison (table in bits per byte, compare.md and plots) over all runs,
# with every final model also evaluated on a text from another domain.
#
#   scripts/english.sh                   # defaults below
#   OUT=/tmp/e SEEDS=1 scripts/english.sh
#
# scripts/english_tokens.sh makes OUT/tokens (fetching the corpus if
# needed); every method trains from that directory (memory-mapped) for
# every seed; then compare. Runs that finished are kept, so an
# interrupted script continues.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-checkpoints/english}
SEEDS=${SEEDS:-1 2}
METHODS=${METHODS:-baseline apollo stack}
VOCAB=${VOCAB:-8192}
EVAL=${EVAL:-datasets/opticks-queries.txt}
SET=${SET:-layers=12,dim=128,heads=4,seq=128,batch=16,steps=300,eval-every=25,eval-batches=8,threads=2,ckpt-minutes=0}
WB="$OUT/workbench"
mkdir -p "$OUT"
go build -o "$WB" ./cmd/workbench
scripts/english_tokens.sh "$WB" bpe "$VOCAB" "$OUT"
for seed in $SEEDS; do
	for m in $METHODS; do
		dir="$OUT/$m-s$seed"
		# A finished run has a summary.json (in a directory named after the
		# method label, which need not be the script's name).
		if compgen -G "$dir/*/summary.json" >/dev/null; then continue; fi
		rm -rf "$dir"
		"$WB" run "scripts/$m.go" --set "$SET,data=$OUT/tokens,seed=$seed" --out "$dir"
	done
done
"$WB" compare --eval "$EVAL" --out "$OUT" "$OUT"/*-s*/
