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
    total, n, k = 0.0, 0, 0
    with torch.no_grad(), open(a.masks) as f:
        for line in f:
            rec = json.loads(line)
            ids = torch.tensor([rec["input_ids"]])
            labels = torch.tensor([rec["labels"]])
            logits = m(ids)[0]
            losses = F.cross_entropy(logits, labels[0], ignore_index=bert.IGNORE, reduction="none")
            sel = labels[0] != bert.IGNORE
            total += float(losses[sel].double().sum())
            n += int(sel.sum())
            k += 1
    print(json.dumps({"loss": total / n, "masked": n, "sequences": k}))


if __name__ == "__main__":
    main()
