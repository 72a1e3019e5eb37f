"""Evaluate an exported GPT-2 model directory on a text file, byte-level.

Usage:
  /usr/bin/python3 tools/golden/hf_check.py DIR TEXTFILE [--max-bytes N]
      [--seq-len T] [--batch B] [--dtype float32|float64]

DIR holds model.safetensors (Hugging Face GPT-2 parameter names, Conv1D
layout [in, out], LM head tied to the token embedding) and config.json
(GPT2Config keys n_layer, n_embd, n_head, n_positions, vocab_size).
The tokenizer is the byte tokenizer: token = byte value.

The text is scored with strided non-overlapping windows of T = seq-len
(default n_positions) predicted tokens: window w covers tokens
x[w*T : w*T+T+1], the input is its first (up to) T tokens and the targets
are the same tokens shifted by one. The last partial window is included
when it predicts at least one token, so every token after the first is
predicted exactly once.

Prints one JSON line:
  {"tokens": predicted tokens, "loss": mean nats per predicted token,
   "bits_per_byte": loss * tokens / (bytes predicted * ln 2)}
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt  # noqa: E402

_BUFFER_SUFFIXES = (".attn.bias", ".attn.masked_bias")
_ACTIVATIONS = ("gelu_new", "gelu_pytorch_tanh")


class CheckError(Exception):
    """A one-line, user-facing error."""


def load_config(path):
    """Read config.json into a gpt.Config."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            raw = json.load(f)
    except OSError as e:
        raise CheckError("%s: cannot read: %s" % (path, e.strerror))
    except ValueError as e:
        raise CheckError("%s: invalid JSON: %s" % (path, e))
    if not isinstance(raw, dict):
        raise CheckError("%s: expected a JSON object" % path)
    keys = ("n_layer", "n_embd", "n_head", "n_positions", "vocab_size")
    vals = {}
    for k in keys:
        v = raw.get(k)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise CheckError("%s: expected a positive integer for %r, got %r"
                             % (path, k, v))
        vals[k] = v
    act = raw.get("activation_function", "gelu_new")
    if act not in _ACTIVATIONS:
        raise CheckError("%s: activation_function %r not supported "
                         "(expected one of %s)" % (path, act,
                                                   ", ".join(_ACTIVATIONS)))
    if raw.get("scale_attn_by_inverse_layer_idx"):
        raise CheckError("%s: scale_attn_by_inverse_layer_idx is not "
                         "supported" % path)
    if raw.get("scale_attn_weights", True) is not True:
        raise CheckError("%s: scale_attn_weights must be true" % path)
    eps = raw.get("layer_norm_epsilon", gpt.LN_EPS)
    if vals["n_embd"] % vals["n_head"] != 0:
        raise CheckError("%s: n_embd %d is not divisible by n_head %d"
                         % (path, vals["n_embd"], vals["n_head"]))
    return gpt.Config(layer_norm_epsilon=eps, **vals)


def load_model(directory, dtype=torch.float32):
    """Load DIR/config.json and DIR/model.safetensors into a gpt.GPT."""
    cfg = load_config(os.path.join(directory, "config.json"))
    path = os.path.join(directory, "model.safetensors")
    try:
        tensors, _ = gpt.load_safetensors(path)
    except OSError as e:
        raise CheckError("%s: cannot read: %s" % (path, e.strerror))
    except ValueError as e:
        raise CheckError(str(e))
    model = gpt.GPT(cfg)
    want = dict(model.state_dict())
    state = {}
    lm_head = None
    for name, arr in tensors.items():
        if name.endswith(_BUFFER_SUFFIXES):
            continue
        if name == "lm_head.weight":
            lm_head = arr
            continue
        key = name if name.startswith("transformer.") \
            else "transformer." + name
        if key not in want:
            raise CheckError("%s: unexpected tensor %r" % (path, name))
        if tuple(arr.shape) != tuple(want[key].shape):
            raise CheckError("%s: tensor %r has shape %s, expected %s"
                             % (path, name, list(arr.shape),
                                list(want[key].shape)))
        state[key] = torch.from_numpy(np.asarray(arr, dtype=np.float64))
    missing = sorted(set(want) - set(state))
    if missing:
        raise CheckError("%s: missing tensor %r (and %d more)"
                         % (path, missing[0], len(missing) - 1)
                         if len(missing) > 1 else
                         "%s: missing tensor %r" % (path, missing[0]))
    if lm_head is not None and not np.array_equal(
            lm_head, state["transformer.wte.weight"].numpy()):
        raise CheckError("%s: lm_head.weight differs from "
                         "transformer.wte.weight; only a tied LM head is "
                         "supported" % path)
    model.load_state_dict(state)
    return model.to(dtype).eval(), cfg


def windows(n_tokens, T):
    """Yield (start, length) with length = inputs in each window."""
    w = 0
    while w * T + 1 < n_tokens:
        start = w * T
        yield start, min(T, n_tokens - 1 - start)
        w += 1


@torch.no_grad()
def evaluate(model, data, T, batch=16):
    """Sum of per-token losses (float64) and number of predicted tokens."""
    x = torch.from_numpy(np.asarray(data, dtype=np.int64))
    total = 0.0
    count = 0
    pending = []

    def flush(group):
        nonlocal total, count
        L = group[0][1]
        inp = torch.stack([x[s:s + L] for s, _ in group])
        tgt = torch.stack([x[s + 1:s + 1 + L] for s, _ in group])
        logits = model(inp)
        losses = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                 tgt.reshape(-1), reduction="none")
        total += float(losses.double().sum())
        count += tgt.numel()

    for start, length in windows(len(data), T):
        if pending and (pending[0][1] != length or len(pending) == batch):
            flush(pending)
            pending = []
        pending.append((start, length))
    if pending:
        flush(pending)
    return total, count


def run(directory, textfile, max_bytes=None, seq_len=None, batch=16,
        dtype=torch.float32):
    """Evaluate and return the result dict."""
    model, cfg = load_model(directory, dtype)
    try:
        with open(textfile, "rb") as f:
            data = f.read() if max_bytes is None else f.read(max_bytes)
    except OSError as e:
        raise CheckError("%s: cannot read: %s" % (textfile, e.strerror))
    if len(data) < 2:
        raise CheckError("%s: need at least 2 bytes of text, got %d"
                         % (textfile, len(data)))
    arr = np.frombuffer(data, dtype=np.uint8)
    if int(arr.max()) >= cfg.vocab_size:
        raise CheckError("%s: byte value %d is outside the model vocabulary "
                         "(vocab_size %d)" % (textfile, int(arr.max()),
                                              cfg.vocab_size))
    T = cfg.n_positions if seq_len is None else seq_len
    if not 1 <= T <= cfg.n_positions:
        raise CheckError("--seq-len: expected 1..%d (n_positions), got %d"
                         % (cfg.n_positions, T))
    total, count = evaluate(model, arr, T, batch)
    loss = total / count
    predicted_bytes = count  # one byte per token
    return {"tokens": count, "loss": loss,
            "bits_per_byte": total / (predicted_bytes * math.log(2))}


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Byte-level loss of an exported GPT-2 directory.")
    ap.add_argument("dir", help="directory with model.safetensors and "
                                "config.json")
    ap.add_argument("textfile", help="text file scored as raw bytes")
    ap.add_argument("--max-bytes", type=int, default=None,
                    help="use only the first N bytes of the text")
    ap.add_argument("--seq-len", type=int, default=None,
                    help="predicted tokens per window (default n_positions)")
    ap.add_argument("--batch", type=int, default=16,
                    help="windows per forward pass (default 16)")
    ap.add_argument("--dtype", choices=("float32", "float64"),
                    default="float32", help="compute precision")
    args = ap.parse_args(argv)
    if args.max_bytes is not None and args.max_bytes < 2:
        ap.error("--max-bytes: expected an integer >= 2, got %d"
                 % args.max_bytes)
    if args.batch < 1:
        ap.error("--batch: expected an integer >= 1, got %d" % args.batch)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    try:
        res = run(args.dir, args.textfile, args.max_bytes, args.seq_len,
                  args.batch, dtype)
    except CheckError as e:
        print("hf_check: %s" % e, file=sys.stderr)
        return 1
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
