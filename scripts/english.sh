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
# needed); scripts/results.sh then trains every method from that directory
# (memory-mapped, with its own tokenizer) for every seed and compares.
# Runs that finished are kept, so an interrupted script continues.
set -euo pipefail
cd "$(dirname "$0")/.."
export OUT=${OUT:-checkpoints/english}
export SEEDS=${SEEDS:-1 2}
export METHODS=${METHODS:-baseline apollo stack}
export EVAL=${EVAL:-datasets/opticks-queries.txt}
VOCAB=${VOCAB:-8192}
SET=${SET:-layers=12,dim=128,heads=4,seq=128,batch=16,steps=300,eval-every=25,eval-batches=8,threads=2,ckpt-minutes=0}
export SET="$SET,data=$OUT/tokens"
mkdir -p "$OUT"
go build -o "$OUT/workbench" ./cmd/workbench
scripts/english_tokens.sh "$OUT/workbench" bpe "$VOCAB" "$OUT"
scripts/results.sh
