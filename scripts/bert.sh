#!/usr/bin/env bash
# The paper's BERT experiments on the packaged English corpus, tokenized
# with an uncased WordPiece of VOCAB tokens trained on the corpus's
# training documents only (scripts/english_tokens.sh):
#
#   bert_expand   6 -> 12 layers by stacking and by interpolation, loss and
#                 gradient norm around the expansion
#   bert_lvpsk    Apollo with lvps(k), k = 0, 5, 10, against the official LVPS
#   bert_compare  baseline, Apollo, stacking and MSLT at equal FLOPs, 3 seeds
#   bert_grow     a 6-layer BERT trained 2000 steps, grown to 12 by stacking
#                 and by interpolation (and continued at 6), 300 steps each
#
#   scripts/bert.sh                               # defaults below
#   OUT=/tmp/b EXPERIMENTS=bert_expand scripts/bert.sh
#
# SET is the --set of every experiment but bert_grow, which takes GROW_SET.
#
# Each experiment writes into OUT/<experiment>/; one that finished (its
# compare.md exists) is skipped, so an interrupted script continues.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-checkpoints/bert}
VOCAB=${VOCAB:-8192}
EXPERIMENTS=${EXPERIMENTS:-bert_expand bert_lvpsk bert_compare bert_grow}
SET=${SET:-layers=12,dim=128,heads=4,seq=128,batch=16,steps=600,eval-every=25,eval-batches=8,threads=2,ckpt-minutes=0}
GROW_SET=${GROW_SET:-layers=12,dim=128,heads=4,seq=128,batch=16,small-steps=2000,steps=300,eval-every=10,eval-batches=8,threads=2,ckpt-minutes=0}
WB="$OUT/workbench"
mkdir -p "$OUT"
go build -o "$WB" ./cmd/workbench
scripts/english_tokens.sh "$WB" wordpiece "$VOCAB" "$OUT" --lowercase
for e in $EXPERIMENTS; do
	if [ -f "$OUT/$e/compare.md" ]; then continue; fi
	rm -rf "$OUT/$e"
	set=$SET
	if [ "$e" = bert_grow ]; then set=$GROW_SET; fi
	"$WB" run "scripts/$e.go" --set "$set,data=$OUT/tokens" --out "$OUT/$e"
done
