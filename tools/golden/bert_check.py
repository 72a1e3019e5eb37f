"""MLM loss of an exported BERT on the sequences `workbench eval --masks-out`
wrote, with the independent BertForMaskedLM of bert.py.

Usage:
  /usr/bin/python3 tools/golden/bert_check.py DIR MASKS.jsonl [--dtype float32|float64]

DIR holds config.json (BertConfig keys: hidden_size, num_hidden_layers,
num_attention_heads, intermediate_size = 4*hidden_size, hidden_act "gelu",
max_position_embeddings, type_vocab_size, layer_norm_eps, vocab_size) and
model.safetensors with BertForMaskedLM names (the tied decoder weight may be
absent). Each line of MASKS.jsonl is {"input_ids": [...], "labels": [...]}
(-100 = not scored), one sequence without padding, so it runs without an
attention mask, as BertForMaskedLM(input_ids, labels=labels) would. Prints
one JSON line {"loss": mean nats over every scored position, "masked": n,
"sequences": k}; per-position losses are summed in float64.
"""

import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert  # noqa: E402
import gpt  # noqa: E402  (safetensors reader)


def load(d, dtype):
    with open(os.path.join(d, "config.json")) as f:
        hc = json.load(f)
    if hc.get("model_type") != "bert":
        raise SystemExit("%s/config.json: model_type %r, want \"bert\"" % (d, hc.get("model_type")))
    if hc.get("hidden_act") != "gelu" or hc["intermediate_size"] != 4 * hc["hidden_size"]:
        raise SystemExit("%s/config.json: want hidden_act gelu and intermediate_size 4*hidden_size" % d)
    cfg = bert.Config(hc["num_hidden_layers"], hc["hidden_size"], hc["num_attention_heads"],
                      hc["max_position_embeddings"], hc["vocab_size"], hc.get("type_vocab_size", 2),
                      hc.get("layer_norm_eps", 1e-12))
    m = bert.BertForMaskedLM(cfg)
    tensors, _ = gpt.load_safetensors(os.path.join(d, "model.safetensors"))
    sd = m.state_dict()
    for name in sd:
        if name not in tensors:
            raise SystemExit("%s/model.safetensors: tensor %s is missing" % (d, name))
        sd[name] = torch.from_numpy(tensors[name]).reshape(sd[name].shape)
    m.load_state_dict(sd)
    return m.to(dtype)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("masks")
    ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
    a = ap.parse_args()
    torch.set_num_threads(1)
    m = load(a.dir, getattr(torch, a.dtype))
    with open(os.path.join(a.dir, "config.json")) as f:
        hc = json.load(f)
    max_pos, vocab = hc["max_position_embeddings"], hc["vocab_size"]
    total, n, k = 0.0, 0, 0
    with torch.no_grad(), open(a.masks) as f:
        for lineno, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
                seq, lab = rec["input_ids"], rec["labels"]
            except (ValueError, KeyError, TypeError) as e:
                raise SystemExit("%s:%d: want a JSON object with input_ids and labels: %s" % (a.masks, lineno, e))
            if len(seq) != len(lab) or not 0 < len(seq) <= max_pos:
                raise SystemExit("%s:%d: %d input_ids and %d labels; want as many of each, 1 to max_position_embeddings = %d of %s"
                                 % (a.masks, lineno, len(seq), len(lab), max_pos, a.dir))
            if not all(isinstance(t, int) and 0 <= t < vocab for t in seq):
                raise SystemExit("%s:%d: an input id outside the vocabulary of %d of %s" % (a.masks, lineno, vocab, a.dir))
            if not all(isinstance(t, int) and (t == bert.IGNORE or 0 <= t < vocab) for t in lab):
                raise SystemExit("%s:%d: a label neither %d nor within the vocabulary of %d of %s"
                                 % (a.masks, lineno, bert.IGNORE, vocab, a.dir))
            ids = torch.tensor([seq])
            labels = torch.tensor([lab])
            logits = m(ids)[0]
            losses = F.cross_entropy(logits, labels[0], ignore_index=bert.IGNORE, reduction="none")
            sel = labels[0] != bert.IGNORE
            total += float(losses[sel].double().sum())
            n += int(sel.sum())
            k += 1
    print(json.dumps({"loss": total / n, "masked": n, "sequences": k}))


if __name__ == "__main__":
    main()
