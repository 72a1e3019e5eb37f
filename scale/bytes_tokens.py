#!/usr/bin/env python3
"""Write the token directory of a text file under the byte tokenizer.

    scale/bytes_tokens.py TEXT_FILE OUT_DIR [VAL_FRAC]

The split is the one the workbench makes of a text file: the last VAL_FRAC
(default 0.1) of its bytes, rounded down, is validation. Token ids are the
bytes, stored as little-endian uint16 with meta.json, as `workbench data
encode --tokenizer bytes --split bytes` writes them.
"""

import json
import os
import sys

import numpy as np


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2].strip())
    src, out = sys.argv[1], sys.argv[2]
    frac = float(sys.argv[3]) if len(sys.argv) == 4 else 0.1
    text = open(src, "rb").read()
    nval = int(len(text) * frac)
    cut = len(text) - nval
    os.makedirs(out, exist_ok=True)
    np.frombuffer(text[:cut], dtype=np.uint8).astype("<u2").tofile(os.path.join(out, "train.bin"))
    np.frombuffer(text[cut:], dtype=np.uint8).astype("<u2").tofile(os.path.join(out, "val.bin"))
    meta = {"format": "workbench-tokens/1", "tokenizer": "bytes", "tokenizer_hash": "", "vocab_size": 256,
            "dtype": "uint16", "split": "bytes", "val_frac": frac,
            "train": {"tokens": cut, "bytes": cut}, "val": {"tokens": nval, "bytes": nval},
            "sources": [{"path": src, "bytes": len(text), "split": "both"}]}
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2)


if __name__ == "__main__":
    main()
