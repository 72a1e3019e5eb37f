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
# Steps: fetch the corpus if datasets/english/core is missing; find the
# documents the token directory holds out for validation (a byte-level
# encoding: the split depends only on the files' sizes); train the BPE on
# the other documents; encode the corpus with it into OUT/tokens; train
# every method from that directory (memory-mapped) for every seed; compare.
# Runs that finished are kept, so an interrupted script continues.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-checkpoints/english}
SEEDS=${SEEDS:-1 2}
METHODS=${METHODS:-baseline apollo stack}
VOCAB=${VOCAB:-8192}
CORPUS=${CORPUS:-datasets/english/core}
EVAL=${EVAL:-datasets/opticks-queries.txt}
SET=${SET:-layers=12,dim=128,heads=4,seq=128,batch=16,steps=300,eval-every=25,eval-batches=8,threads=2,ckpt-minutes=0}
WB="$OUT/workbench"
mkdir -p "$OUT"
go build -o "$WB" ./cmd/workbench
if [ ! -d "$CORPUS" ]; then
	"$WB" data fetch english --out "$(dirname "$CORPUS")"
fi
if [ ! -f "$OUT/tokens/meta.json" ]; then
	rm -rf "$OUT/split" "$OUT/tokenizer" "$OUT/tokens"
	"$WB" data encode --tokenizer bytes --data "$CORPUS" --out "$OUT/split" >/dev/null
	# The training documents: each source's "path" precedes its "split".
	train_files=$(awk '/"path":/ { p = $2 } /"split": "train"/ { gsub(/[",]/, "", p); print p }' "$OUT/split/meta.json")
	rm -rf "$OUT/split"
	# shellcheck disable=SC2086 # one argument per file
	"$WB" tokenizer train --kind bpe --vocab "$VOCAB" --data $train_files --out "$OUT/tokenizer"
	"$WB" data encode --tokenizer "$OUT/tokenizer/tokenizer.json" --data "$CORPUS" --out "$OUT/tokens"
fi
for seed in $SEEDS; do
	for m in $METHODS; do
		dir="$OUT/$m-s$seed"
		if [ -f "$dir/$m/summary.json" ]; then continue; fi
		rm -rf "$dir"
		"$WB" run "scripts/$m.go" --set "$SET,data=$OUT/tokens,tokenizer=$OUT/tokens,seed=$seed" --out "$dir"
	done
done
"$WB" compare --eval "$EVAL" --out "$OUT" "$OUT"/*-s*/
