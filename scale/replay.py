#!/usr/bin/env python3
"""Replay a workbench plan with PyTorch, data-parallel, at any scale.

    scale/replay.py --plan PLAN_DIR --data TOKEN_DIR --out RUN_DIR [--device cpu|cuda] [--bf16]

PLAN_DIR is one run's directory written by `workbench plan` (config.json,
plan.jsonl, init.safetensors); TOKEN_DIR a token directory written by
`workbench data encode` (train.bin, val.bin, meta.json). The replay executes
every micro-batch's plan over shared blocks, applies every expansion with its
map, optimizer-state policy and freeze mask, and updates with AdamW under the
workbench's per-group step counts, its clipping and its learning rates. It
writes RUN_DIR in the workbench's run format (config.json, metrics.jsonl,
events.jsonl, model.safetensors, summary.json), so `workbench compare` and
`workbench eval` read it unchanged.

Ranks come from the environment as torchrun sets it (RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR, MASTER_PORT): every rank executes the same plan on
its share of each micro-batch's sequences, and the gradients of the groups
the step used are averaged with all-reduce (NCCL on CUDA, gloo on CPU).

Requires Python 3, PyTorch >= 1.13 and numpy. See scale/README.md.
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

PLAN_FORMAT = "workbench-plan/1"
TOKENS_FORMAT = "workbench-tokens/1"


class ReplayError(Exception):
    """Bad input: one line naming the file (and line) and what was expected."""


# ---------------------------------------------------------------- safetensors

_DTYPES = {"F32": (np.float32, 4), "F16": (np.float16, 2), "I32": (np.int32, 4), "I64": (np.int64, 8)}


def read_safetensors(path):
    """Returns {name: float32 numpy array} of a safetensors file (F32, F16, BF16)."""
    try:
        with open(path, "rb") as f:
            raw = f.read(8)
            if len(raw) < 8:
                raise ReplayError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
            n = struct.unpack("<Q", raw)[0]
            try:
                header = json.loads(f.read(n))
            except ValueError as e:
                raise ReplayError(f"{path}: damaged safetensors header: {e}")
            body = f.read()
    except OSError as e:
        raise ReplayError(f"{path}: {e.strerror}")
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        lo, hi = t["data_offsets"]
        if hi > len(body) or lo > hi:
            raise ReplayError(f"{path}: tensor {name} lies beyond the end of the file (truncated?)")
        buf = body[lo:hi]
        if t["dtype"] == "BF16":
            a = (np.frombuffer(buf, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)
        elif t["dtype"] in _DTYPES:
            a = np.frombuffer(buf, dtype=_DTYPES[t["dtype"]][0]).astype(np.float32)
        else:
            raise ReplayError(f"{path}: tensor {name} has dtype {t['dtype']}, want F32, F16 or BF16")
        out[name] = a.reshape(t["shape"])
    return out


def write_safetensors(path, tensors, metadata):
    """Writes {name: float32 numpy array} atomically, names in the given order."""
    header = {"__metadata__": metadata}
    off = 0
    for name, a in tensors.items():
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [off, off + a.nbytes]}
        off += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for a in tensors.values():
            f.write(np.ascontiguousarray(a, dtype="<f4").tobytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def put_bpb(obj, key, bpb):
    """Sets obj[key] to a loss in bits per byte, or leaves it out when the bytes of the text are unknown (NaN), as workbench does."""
    if math.isfinite(bpb):
        obj[key] = bpb


# ---------------------------------------------------------------- plan

def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        raise ReplayError(f"{path}: {e.strerror}")
    except ValueError as e:
        raise ReplayError(f"{path}: not valid JSON: {e}")


def lr_at(cfg, p):
    """The workbench's learning-rate schedule (core/optim/schedule.go) at progress p."""
    p = max(0.0, min(1.0, p))
    peak, lo, warm = cfg["lr"], cfg["min_lr"], cfg["warmup"]
    if p < warm:
        return peak * p / warm
    if cfg.get("schedule") == "wsd":
        decay = cfg.get("decay_frac", 0)
        start = 1 - decay
        if p <= start or decay <= 0:
            return peak
        q = (p - start) / decay
        if cfg.get("decay_shape") != "cosine":
            return peak + (lo - peak) * q
    elif warm < 1:
        q = (p - warm) / (1 - warm)
    else:
        q = 1.0
    return lo + (peak - lo) * 0.5 * (1 + math.cos(math.pi * q))


class Plan:
    """A plan directory, checked completely before anything trains."""

    def __init__(self, d):
        self.dir = d
        cpath = os.path.join(d, "config.json")
        self.config = c = read_json(cpath)
        if c.get("plan_format") != PLAN_FORMAT:
            raise ReplayError(f"{cpath}: plan_format is {c.get('plan_format')!r}, want {PLAN_FORMAT!r} (write plans with workbench plan)")
        for k in ("layers", "dim", "heads", "seq", "batch", "accum", "vocab_size", "steps", "lr", "min_lr", "warmup", "wd", "clip", "eval_batches"):
            if not isinstance(c.get(k), (int, float)):
                raise ReplayError(f"{cpath}: missing or non-numeric {k!r}")
        self.bert = c.get("model_type", "gpt2") == "bert"
        if c.get("model_type", "gpt2") not in ("gpt2", "bert"):
            raise ReplayError(f"{cpath}: model_type {c.get('model_type')!r}, want gpt2 or bert")
        if self.bert and not isinstance(c.get("mlm_tokens"), dict):
            raise ReplayError(f"{cpath}: a BERT plan without mlm_tokens (write it with this workbench's plan)")
        self.items = []  # ("step", dict) or ("expand", dict), in order
        self.end = None
        ppath = os.path.join(d, "plan.jsonl")
        try:
            with open(ppath, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise ReplayError(f"{ppath}: {e.strerror}")
        lines = raw.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        elif lines:
            raise ReplayError(f"{ppath}:{len(lines)}: truncated line (no newline at its end)")
        want = 1
        L, accum, B, T = c["layers"], c["accum"], c["batch"], c["seq"]
        real = None
        for i, line in enumerate(lines, 1):
            where = f"{ppath}:{i}"
            if self.end is not None:
                raise ReplayError(f"{where}: a line after the end line")
            try:
                v = json.loads(line)
            except ValueError:
                raise ReplayError(f"{where}: not a JSON object (truncated or damaged line)")
            ev = v.get("event")
            if ev == "expand":
                for k in ("step", "from", "to", "map", "opt_state", "frozen", "val_plans"):
                    if k not in v:
                        raise ReplayError(f"{where}: expansion without {k!r}")
                if v["step"] != want - 1:
                    raise ReplayError(f"{where}: expansion at step {v['step']}, want {want - 1} (a step is missing)")
                if real is not None and v["from"] != real:
                    raise ReplayError(f"{where}: expansion from {v['from']} real layers, but the steps before ran {real}")
                if len(v["map"]) != v["to"] or any(not 0 <= s < v["from"] for s in v["map"]) or v["to"] > L:
                    raise ReplayError(f"{where}: map {v['map']} does not take {v['from']} to {v['to']} real layers of {L}")
                if v["opt_state"] not in ("keep", "copy", "reset"):
                    raise ReplayError(f"{where}: opt_state {v['opt_state']!r}, want keep, copy or reset")
                real = v["to"]
                self.items.append(("expand", v))
            elif ev == "end":
                if v.get("steps") != want - 1:
                    raise ReplayError(f"{where}: end line says {v.get('steps')} steps, the file holds {want - 1}")
                self.end = v
            elif ev is None:
                if v.get("step") != want:
                    raise ReplayError(f"{where}: step {v.get('step')}, want {want} (a step is missing)")
                plans = v.get("plans")
                if not isinstance(plans, list) or len(plans) != accum:
                    raise ReplayError(f"{where}: want {accum} micro-batch plans")
                if real is None:
                    real = v["depth"]
                if v["depth"] != real:
                    raise ReplayError(f"{where}: depth {v['depth']} without an expansion from {real}")
                for p in plans + ([v["eval_plan"]] if "eval_plan" in v else []):
                    if not p or len(p) > L or any(not 0 <= b < real for b in p):
                        raise ReplayError(f"{where}: plan {p} uses blocks outside [0, {real}) or more than {L}")
                b = v.get("batches")
                if b is not None and (len(b) != accum or any(len(x) != B for x in b)):
                    raise ReplayError(f"{where}: want {accum} micro-batches of {B} windows")
                for k in ("input_ids", "labels"):
                    b = v.get(k)
                    if b is not None and (len(b) != accum or any(len(x) != B or any(len(r) != T for r in x) for x in b)):
                        raise ReplayError(f"{where}: want {k} of {accum} micro-batches of {B} sequences of {T}")
                budget = c.get("flops_budget") or 0
                prog = v["flops"] / budget if budget > 0 else v["step"] / c["steps"]
                if abs(lr_at(c, prog) - v["lr"]) > 1e-9 * max(1.0, abs(v["lr"])):
                    raise ReplayError(f"{where}: lr {v['lr']} is not the schedule's {lr_at(c, prog)} at progress {prog} (config.json and plan.jsonl disagree)")
                self.items.append(("step", v))
                want += 1
            else:
                raise ReplayError(f"{where}: unknown event {ev!r}")
        if self.end is None:
            raise ReplayError(f"{ppath}:{len(lines)}: the plan ends without its end line (truncated)")
        self.steps = want - 1
        if self.steps == 0:
            raise ReplayError(f"{ppath}: the plan has no steps")
        key = "input_ids" if self.bert else "batches"
        self.has_batches = all(key in v and (not self.bert or "labels" in v) for k, v in self.items if k == "step")
        self.first_real = next(v["from"] if k == "expand" else v["depth"] for k, v in self.items)


class TokenDir:
    """A token directory (core/data): train.bin and val.bin, memory-mapped."""

    def __init__(self, d):
        mpath = os.path.join(d, "meta.json")
        self.meta = m = read_json(mpath)
        if m.get("format") != TOKENS_FORMAT:
            raise ReplayError(f"{mpath}: format {m.get('format')!r}, want {TOKENS_FORMAT!r} (write token directories with workbench data encode)")
        dt = {"uint16": np.uint16, "uint32": np.uint32}.get(m.get("dtype"))
        if dt is None:
            raise ReplayError(f"{mpath}: dtype {m.get('dtype')!r}, want uint16 or uint32")
        self.vocab = m.get("vocab_size")
        self.parts = {}
        for part in ("train", "val"):
            path = os.path.join(d, part + ".bin")
            try:
                size = os.path.getsize(path)
            except OSError as e:
                raise ReplayError(f"{path}: {e.strerror}")
            want = m.get(part, {}).get("tokens")
            if size != want * np.dtype(dt).itemsize:
                raise ReplayError(f"{path}: {size} bytes, but {mpath} says {want} {m['dtype']} tokens")
            self.parts[part] = np.memmap(path, dtype=dt, mode="r") if size else np.zeros(0, dt)

    def check(self, plan, data_dir):
        """Stops when the plan was made for other data."""
        c, cpath = plan.config, os.path.join(plan.dir, "config.json")
        mpath = os.path.join(data_dir, "meta.json")
        if c["vocab_size"] != self.vocab and not (plan.bert and self.vocab is not None and self.vocab <= c["vocab_size"]):
            raise ReplayError(f"{mpath}: vocabulary of {self.vocab}, but {cpath} has vocab_size {c['vocab_size']}")
        h = c.get("tokenizer_hash")
        if h and h != self.meta.get("tokenizer_hash"):
            raise ReplayError(f"{mpath}: tokenizer_hash {self.meta.get('tokenizer_hash')}, but {cpath} has {h}")
        for part in ("train", "val"):
            n = c.get(part + "_tokens")
            if n is not None and n != len(self.parts[part]):
                raise ReplayError(f"{os.path.join(data_dir, part + '.bin')}: {len(self.parts[part])} tokens, but the plan was made on {n} ({cpath} {part}_tokens)")


# ---------------------------------------------------------------- model

class Conv1D(nn.Module):
    """A linear layer stored as Hugging Face GPT-2 stores it: weight [in, out]."""

    def __init__(self, nin, nout):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(nin, nout))
        self.bias = nn.Parameter(torch.zeros(nout))

    def forward(self, x):
        return torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight).view(*x.shape[:-1], -1)


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = Conv1D(d, 3 * d)
        self.c_proj = Conv1D(d, d)

    def forward(self, x):
        B, T, d = x.shape
        H = self.heads
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (t.view(B, T, H, d // H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // H))
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        att = att.masked_fill(mask, float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc = Conv1D(d, 4 * d)
        self.c_proj = Conv1D(4 * d, d)

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    """A pre-LayerNorm GPT-2 block. (BERT's post-LN block is the same parts in another order.)"""

    def __init__(self, d, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d, eps=1e-5)
        self.attn = Attention(d, heads)
        self.ln_2 = nn.LayerNorm(d, eps=1e-5)
        self.mlp = MLP(d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """GPT-2 with Hugging Face parameter names whose forward pass runs a plan:
    an ordered list of physical blocks, any of them skipped or repeated. A block
    used k times receives the sum of its k gradients (autograd adds them)."""

    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], d),
            wpe=nn.Embedding(c["seq"], d),
            h=nn.ModuleList(Block(d, c["heads"]) for _ in range(c["layers"])),
            ln_f=nn.LayerNorm(d, eps=1e-5),
        ))

    def forward(self, idx, targets, plan):
        tr = self.transformer
        T = idx.shape[1]
        x = tr.wte(idx) + tr.wpe(torch.arange(T, device=idx.device))
        for p in plan:
            x = tr.h[p](x)
        x = tr.ln_f(x)
        logits = x @ tr.wte.weight.t()
        return F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1))

    def groups(self):
        """Parameter groups as the workbench's optimizer has them: the
        embeddings, each physical block, the final LayerNorm."""
        tr = self.transformer
        g = {"embeddings": [tr.wte.weight, tr.wpe.weight]}
        for i, b in enumerate(tr.h):
            g[f"h.{i}"] = list(b.parameters())
        g["ln_f"] = list(tr.ln_f.parameters())
        return g

    # The parts the replay addresses the same way in GPT and BERT.
    block_prefix = "h."       # group of physical block i: block_prefix + str(i)
    head_groups = ("embeddings", "ln_f")  # groups every step trains

    def blocks(self):
        return self.transformer.h

    def export(self, plan):
        """Tensors of model.safetensors: block i of the file is physical block plan[i]."""
        tr = self.transformer
        out = {"transformer.wte.weight": tr.wte.weight, "transformer.wpe.weight": tr.wpe.weight}
        for i, p in enumerate(plan):
            for n, t in tr.h[p].named_parameters():
                out[f"transformer.h.{i}.{n}"] = t
        out["transformer.ln_f.weight"] = tr.ln_f.weight
        out["transformer.ln_f.bias"] = tr.ln_f.bias
        return out


# BERT (BertForMaskedLM with Hugging Face names; the workbench's core/model
# and tools/golden/bert.py): post-LayerNorm encoder blocks, bidirectional
# attention with a padding mask, exact GELU, LayerNorm eps 1e-12, the MLM
# head tied to the word embeddings.

BERT_EPS = 1e-12


def gelu_erf(x):
    return F.gelu(x)  # PyTorch's default GELU is the exact erf form


class BertSelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x, mask):
        B, T, d = x.shape
        H = self.heads
        q, k, v = (m(x).view(B, T, H, d // H).transpose(1, 2) for m in (self.query, self.key, self.value))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // H))
        if mask is not None:
            att = att.masked_fill(mask, float("-inf"))
        y = (att.softmax(dim=-1) @ v).transpose(1, 2).reshape(B, T, d)
        return y


class BertOutput(nn.Module):
    def __init__(self, d_in, d):
        super().__init__()
        self.dense = nn.Linear(d_in, d)
        self.LayerNorm = nn.LayerNorm(d, eps=BERT_EPS)

    def forward(self, h, resid):
        return self.LayerNorm(self.dense(h) + resid)


class BertAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        setattr(self, "self", BertSelfAttention(d, heads))
        self.output = BertOutput(d, d)

    def forward(self, x, mask):
        return self.output(getattr(self, "self")(x, mask), x)


class BertIntermediate(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.dense = nn.Linear(d, 4 * d)

    def forward(self, x):
        return gelu_erf(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attention = BertAttention(d, heads)
        self.intermediate = BertIntermediate(d)
        self.output = BertOutput(4 * d, d)

    def forward(self, x, mask):
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEmbeddings(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], d)
        self.position_embeddings = nn.Embedding(c["seq"], d)
        self.token_type_embeddings = nn.Embedding(2, d)
        self.LayerNorm = nn.LayerNorm(d, eps=BERT_EPS)

    def forward(self, ids):
        T = ids.shape[1]
        e = self.word_embeddings(ids) + self.token_type_embeddings(torch.zeros_like(ids))
        return self.LayerNorm(e + self.position_embeddings(torch.arange(T, device=ids.device))[None])


class BertPredictionHead(nn.Module):
    def __init__(self, c):
        super().__init__()
        d = c["dim"]
        self.transform = nn.Module()
        self.transform.dense = nn.Linear(d, d)
        self.transform.LayerNorm = nn.LayerNorm(d, eps=BERT_EPS)
        self.bias = nn.Parameter(torch.zeros(c["vocab_size"]))


class BERT(nn.Module):
    """BertForMaskedLM with Hugging Face parameter names whose forward pass
    runs a plan over the encoder layers, as GPT does over its blocks."""

    block_prefix = "layer."
    head_groups = ("embeddings", "cls")

    def __init__(self, c):
        super().__init__()
        self.bert = nn.Module()
        self.bert.embeddings = BertEmbeddings(c)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList(BertLayer(c["dim"], c["heads"]) for _ in range(c["layers"]))
        self.cls = nn.Module()
        self.cls.predictions = BertPredictionHead(c)

    def forward(self, ids, labels, plan, lens=None):
        """Sum of the cross-entropies at the scored positions (labels != -100)
        and their number; lens masks padding keys out of attention."""
        mask = None
        if lens is not None:
            T = ids.shape[1]
            mask = (torch.arange(T, device=ids.device)[None, :] >= lens[:, None])[:, None, None, :]
        x = self.bert.embeddings(ids)
        for p in plan:
            x = self.bert.encoder.layer[p](x, mask)
        sel = labels.reshape(-1) != -100
        h = x.reshape(-1, x.shape[-1])[sel]
        head = self.cls.predictions
        h = head.transform.LayerNorm(gelu_erf(head.transform.dense(h)))
        logits = h @ self.bert.embeddings.word_embeddings.weight.t() + head.bias
        return F.cross_entropy(logits.float(), labels.reshape(-1)[sel], reduction="sum"), int(sel.sum())

    def groups(self):
        """Parameter groups as the workbench's optimizer has them: the
        embeddings, each physical encoder layer, the MLM head."""
        g = {"embeddings": list(self.bert.embeddings.parameters())}
        for i, b in enumerate(self.bert.encoder.layer):
            g[f"layer.{i}"] = list(b.parameters())
        g["cls"] = list(self.cls.parameters())
        return g

    def blocks(self):
        return self.bert.encoder.layer

    def export(self, plan):
        out = {f"bert.embeddings.{n}": t for n, t in self.bert.embeddings.named_parameters()}
        for i, p in enumerate(plan):
            for n, t in self.bert.encoder.layer[p].named_parameters():
                out[f"bert.encoder.layer.{i}.{n}"] = t
        out.update({f"cls.{n}": t for n, t in self.cls.named_parameters()})
        return out


def hf_names(model):
    return {n: p for n, p in model.named_parameters()}


# ---------------------------------------------------------------- optimizer

class AdamW:
    """AdamW with the workbench's semantics (core/optim): each group keeps its
    own step count and is updated only when the step gave it a gradient, so an
    unused or frozen block keeps its weights, moments and step count exactly.
    Weight decay applies to matrices and embeddings (names ending in .weight
    outside LayerNorms)."""

    def __init__(self, model, wd, b1=0.9, b2=0.999, eps=1e-8):
        self.groups = model.groups()
        self.b1, self.b2, self.eps, self.wd = b1, b2, eps, wd
        names = {id(p): n for n, p in model.named_parameters()}
        self.decay = {id(p): names[id(p)].endswith(".weight") and not any(s in names[id(p)] for s in (".ln_", "ln_f", "LayerNorm"))
                      for ps in self.groups.values() for p in ps}
        self.m = {id(p): torch.zeros_like(p) for ps in self.groups.values() for p in ps}
        self.v = {id(p): torch.zeros_like(p) for ps in self.groups.values() for p in ps}
        self.steps = {g: 0 for g in self.groups}

    @torch.no_grad()
    def step(self, touched, lr, gscale):
        f = np.float32
        b1, b2 = f(self.b1), f(self.b2)
        omb1, omb2 = f(1 - self.b1), f(1 - self.b2)
        for g in touched:
            self.steps[g] += 1
            s = self.steps[g]
            bc1, bc2 = 1 - self.b1 ** s, 1 - self.b2 ** s
            step, rbc2 = float(f(lr / bc1)), float(f(1 / math.sqrt(bc2)))
            for p in self.groups[g]:
                m, v = self.m[id(p)], self.v[id(p)]
                gi = p.grad * float(f(gscale))
                m.mul_(float(b1)).add_(gi * float(omb1))
                v.mul_(float(b2)).add_((gi * float(omb2)) * gi)
                decay = float(f(1 - lr * self.wd)) if self.decay[id(p)] else 1.0
                p.mul_(decay).sub_((m * step) / (v.sqrt() * rbc2 + float(f(self.eps))))

    def copy_group(self, dst, src, snap):
        for p, (m, v) in zip(self.groups[dst], snap[src]["mv"]):
            self.m[id(p)].copy_(m)
            self.v[id(p)].copy_(v)
        self.steps[dst] = snap[src]["steps"]

    def reset(self):
        for t in list(self.m.values()) + list(self.v.values()):
            t.zero_()
        for g in self.steps:
            self.steps[g] = 0


# ---------------------------------------------------------------- replay

class Replay:
    def __init__(self, args):
        self.args = args
        self.rank = int(os.environ.get("RANK", "0"))
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        dev = args.device
        if dev == "auto":
            dev = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(f"cuda:{self.local_rank}" if dev == "cuda" else "cpu")
        if dev == "cuda":
            torch.cuda.set_device(self.device)
        if args.threads > 0:
            torch.set_num_threads(args.threads)

        self.plan = Plan(args.plan)
        c = self.plan.config
        self.data = TokenDir(args.data)
        self.data.check(self.plan, args.data)
        if not self.plan.has_batches and not self.plan.bert:
            what = "masked sequences" if self.plan.bert else "data windows"
            raise ReplayError(f"{os.path.join(args.plan, 'plan.jsonl')}: the plan has no {what}; write it with workbench plan --batches")
        ntrain = len(self.data.parts["train"])
        for k, v in self.plan.items:
            if k == "step" and not self.plan.bert and max(max(b) for b in v["batches"]) + c["seq"] >= ntrain + 0:
                raise ReplayError(f"{os.path.join(args.plan, 'plan.jsonl')}: step {v['step']} reads a window beyond the {ntrain} training tokens of {args.data}")
        if c["batch"] % self.world:
            raise ReplayError(f"{os.path.join(args.plan, 'config.json')}: world size {self.world} does not divide the micro-batch of {c['batch']} sequences")
        if self.world > 1:
            dist.init_process_group("nccl" if dev == "cuda" else "gloo", init_method="env://",
                                    rank=self.rank, world_size=self.world)

        self.model = (BERT(c) if self.plan.bert else GPT(c)).to(self.device)
        self.masked = {}  # BERT's validation sequences by kind, drawn once
        # BERT plans without --batches: training sequences drawn here, the
        # same on every rank (not the workbench's sequences).
        self.train_rng = np.random.default_rng(c.get("seed", 1))
        self.load_init(os.path.join(args.plan, "init.safetensors"))
        self.opt = AdamW(self.model, c["wd"])
        self.frozen = set()
        self.apply_frozen([])

    def load_init(self, path):
        w = read_safetensors(path)
        params = hf_names(self.model)
        with torch.no_grad():
            for n, p in params.items():
                if n not in w:
                    raise ReplayError(f"{path}: tensor {n} is missing")
                if list(w[n].shape) != list(p.shape):
                    raise ReplayError(f"{path}: tensor {n} has shape {list(w[n].shape)}, config.json wants {list(p.shape)}")
                p.copy_(torch.from_numpy(np.array(w[n])))

    def apply_frozen(self, names):
        self.frozen = set(names)
        for g, ps in self.model.groups().items():
            for p in ps:
                p.requires_grad_(g not in self.frozen)

    def batch(self, part, starts, T):
        toks = self.data.parts[part]
        x = np.stack([np.asarray(toks[s:s + T], dtype=np.int64) for s in starts])
        y = np.stack([np.asarray(toks[s + 1:s + 1 + T], dtype=np.int64) for s in starts])
        return torch.from_numpy(x).to(self.device), torch.from_numpy(y).to(self.device)

    def autocast(self):
        if self.args.bf16:
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return torch.autocast(device_type=self.device.type, enabled=False)

    def allreduce_mean(self, t):
        if self.world > 1:
            dist.all_reduce(t)
            t /= self.world
        return t

    def mlm_sequences(self, kind):
        """BERT's validation sequences as the workbench builds them ([CLS]
        text [SEP], padded): kind "fixed" takes eval_batches·batch windows
        spread evenly over the validation tokens (MLM.Windows), "stream"
        consecutive windows holding every token once (MLM.Strided). The
        masks are the replay's own, drawn as the workbench draws them (rate
        mask_rate; 80% [MASK], 10% a random non-special token, 10% kept)
        from numpy's generator seeded 1234, the same on every rank; they
        are not the workbench's masks, so these losses estimate the same
        quantity without being equal to it."""
        if kind in self.masked:
            return self.masked[kind]
        c = self.plan.config
        T, toks = c["seq"], self.data.parts["val"]
        w = T - 2
        if kind == "fixed":
            n = c["eval_batches"] * c["batch"]
            span = len(toks) - w
            texts = [(i * span // (n - 1) if n > 1 else 0, w) for i in range(n)]
        else:
            texts = [(s, min(w, len(toks) - s)) for s in range(0, len(toks), w)]
        ids, labels, lens = self.mask_texts(toks, texts, np.random.default_rng(1234))
        self.masked[kind] = out = (torch.from_numpy(ids).to(self.device), torch.from_numpy(labels).to(self.device),
                                   torch.from_numpy(lens).to(self.device))
        return out

    def mask_texts(self, toks, texts, rng):
        """[CLS] toks[s:s+n] [SEP] for each (s, n) of texts, padded to the
        sequence length and masked from rng; input ids, labels and lengths."""
        c = self.plan.config
        sp, T = c["mlm_tokens"], c["seq"]
        special = sorted(set(sp.values()))
        normal = np.setdiff1d(np.arange(c["vocab_size"]), special)
        ids = np.full((len(texts), T), sp["pad"], dtype=np.int64)
        labels = np.full((len(texts), T), -100, dtype=np.int64)
        lens = np.zeros(len(texts), dtype=np.int64)
        for i, (s, n) in enumerate(texts):
            ids[i, 0], ids[i, n + 1], lens[i] = sp["cls"], sp["sep"], n + 2
            ids[i, 1:n + 1] = toks[s:s + n]
            sel = np.flatnonzero(rng.random(n) < c.get("mask_rate", 0.15)) + 1
            labels[i, sel] = ids[i, sel]
            u = rng.random(len(sel))
            ids[i, sel[u < 0.8]] = sp["mask"]
            rnd = sel[(u >= 0.8) & (u < 0.9)]
            ids[i, rnd] = rng.choice(normal, len(rnd))
        return ids, labels, lens

    @torch.no_grad()
    def mlm_loss(self, kind, plan):
        """Mean MLM loss over every scored position of the validation sequences of kind, and that count."""
        ids, labels, lens = self.mlm_sequences(kind)
        B = self.plan.config["batch"]
        total = torch.zeros(2, dtype=torch.float64, device=self.device)
        chunks = list(range(0, len(ids), B))
        for j in range(self.rank, len(chunks), self.world):
            s = chunks[j]
            with self.autocast():
                loss, n = self.model(ids[s:s + B], labels[s:s + B], plan, lens[s:s + B])
            total[0] += loss.double()
            total[1] += n
        if self.world > 1:
            dist.all_reduce(total)
        return total[0].item() / max(total[1].item(), 1), int(total[1].item())

    @torch.no_grad()
    def val_loss(self, plan):
        """Mean loss on the fixed validation windows (data.Windows), eval_batches batches."""
        c = self.plan.config
        if self.plan.bert:
            return self.mlm_loss("fixed", plan)[0]
        B, T, nb = c["batch"], c["seq"], c["eval_batches"]
        n = nb * B
        span = len(self.data.parts["val"]) - T - 1
        starts = [i * span // (n - 1) if n > 1 else 0 for i in range(n)]
        total = torch.zeros(1, dtype=torch.float64, device=self.device)
        for i in range(self.rank, nb, self.world):
            x, y = self.batch("val", starts[i * B:(i + 1) * B], T)
            with self.autocast():
                total += self.model(x, y, plan).double()
        if self.world > 1:
            dist.all_reduce(total)
        return total.item() / nb

    @torch.no_grad()
    def stream_loss(self, plan):
        """Loss on the whole validation split as workbench eval computes it
        (train.EvalStream): strided windows of the sequence length."""
        c = self.plan.config
        if self.plan.bert:
            return self.mlm_loss("stream", plan)
        B, T = c["batch"], c["seq"]
        toks = self.data.parts["val"]
        n = len(toks) - 1
        full = n // T
        total = torch.zeros(1, dtype=torch.float64, device=self.device)
        chunks = [(w, min(B, full - w)) for w in range(0, full, B)]
        for j in range(self.rank, len(chunks), self.world):
            w, b = chunks[j]
            x, y = self.batch("val", [(w + i) * T for i in range(b)], T)
            with self.autocast():
                total += self.model(x, y, plan).double() * (b * T)
        rem = n - full * T
        if rem > 0 and self.rank == 0:
            x, y = self.batch("val", [full * T], rem)
            with self.autocast():
                total += self.model(x, y, plan).double() * rem
        if self.world > 1:
            dist.all_reduce(total)
        return total.item() / n, n

    def expand(self, e):
        """New slot i becomes a copy of old slot map[i]; the optimizer state follows opt_state."""
        h = self.model.blocks()
        pre = self.model.block_prefix
        old = e["from"]
        snap = {}
        with torch.no_grad():
            for j in range(old):
                g = f"{pre}{j}"
                snap[j] = {"w": [p.detach().clone() for p in h[j].parameters()],
                           "mv": [(self.opt.m[id(p)].clone(), self.opt.v[id(p)].clone()) for p in h[j].parameters()],
                           "steps": self.opt.steps[g]}
            for i, s in enumerate(e["map"]):
                for p, w in zip(h[i].parameters(), snap[s]["w"]):
                    p.copy_(w)
                if e["opt_state"] == "copy":
                    self.opt.copy_group(f"{pre}{i}", s, snap)
        if e["opt_state"] == "reset":
            self.opt.reset()
        self.apply_frozen(e["frozen"])

    def train_step(self, v):
        c = self.plan.config
        B, T, accum = c["batch"], c["seq"], c["accum"]
        per = B // self.world
        k = max(1, self.args.rank_accum)
        if per % k:
            raise ReplayError(f"--rank-accum {k} does not divide the {per} sequences of each rank's micro-batch share")
        touched = set()
        loss_sum = torch.zeros(1, dtype=torch.float64, device=self.device)
        pre = self.model.block_prefix
        if self.plan.bert:
            # The workbench's loss of a micro-batch is the mean over all its
            # scored positions: each pass adds its sum over that count, times
            # the world size the all-reduce mean divides by.
            for m, plan in enumerate(v["plans"]):
                if "input_ids" in v:
                    ids = torch.tensor(v["input_ids"][m], dtype=torch.int64)
                    labels = torch.tensor(v["labels"][m], dtype=torch.int64)
                else:
                    toks, w = self.data.parts["train"], T - 2
                    starts = self.train_rng.integers(0, len(toks) - w, B)
                    x, y, _ = self.mask_texts(toks, [(int(s), w) for s in starts], self.train_rng)
                    ids, labels = torch.from_numpy(x), torch.from_numpy(y)
                scored = max(int((labels != -100).sum()), 1)
                ids, labels = ids[self.rank * per:(self.rank + 1) * per], labels[self.rank * per:(self.rank + 1) * per]
                for j in range(k):
                    sl = slice(j * per // k, (j + 1) * per // k)
                    with self.autocast():
                        ce, _ = self.model(ids[sl].to(self.device), labels[sl].to(self.device), plan)
                    loss = ce * (self.world / scored)
                    (loss / accum).backward()
                    loss_sum += loss.detach().double()
                touched |= {f"{pre}{p}" for p in plan}
        for plan, starts in zip(v["plans"], v.get("batches", [])):
            mine = starts[self.rank * per:(self.rank + 1) * per]
            for j in range(k):
                x, y = self.batch("train", mine[j * per // k:(j + 1) * per // k], T)
                with self.autocast():
                    loss = self.model(x, y, plan)
                (loss / (accum * k)).backward()
                loss_sum += loss.detach().double() / k
            touched |= {f"{pre}{p}" for p in plan}
        touched |= set(self.model.head_groups)
        touched -= self.frozen
        groups = self.model.groups()
        order = [g for g in groups if g in touched]
        grads = [p.grad for g in order for p in groups[g]]
        if self.world > 1:
            flat = torch.cat([g.reshape(-1) for g in grads])
            self.allreduce_mean(flat)
            off = 0
            for g in grads:
                g.copy_(flat[off:off + g.numel()].view_as(g))
                off += g.numel()
        norm = math.sqrt(sum(float((g.double() ** 2).sum()) for g in grads))
        clip = c["clip"]
        scale = min(1.0, clip / (norm + 1e-6)) if clip > 0 else 1.0
        self.opt.step(order, v["lr"], scale)
        for ps in groups.values():
            for p in ps:
                p.grad = None
        loss = self.allreduce_mean(loss_sum).item() / accum
        return loss, norm

    def run(self):
        args, c, plan = self.args, self.plan.config, self.plan
        main = self.rank == 0
        if main:
            os.makedirs(args.out, exist_ok=True)
            if os.listdir(args.out):
                raise ReplayError(f"{args.out}: run directory exists and is not empty")
            conf = dict(c)
            for k in ("plan_format", "plan_steps", "plan_batches", "mlm_tokens"):
                conf.pop(k, None)
            conf.update(name=os.path.basename(os.path.normpath(args.out)), out=args.out)  # as a workbench run names itself
            conf.update(replay=dict(plan=os.path.abspath(args.plan), data=os.path.abspath(args.data), world_size=self.world,
                                    device=self.device.type, bf16=bool(args.bf16), torch=torch.__version__))
            write_json(os.path.join(args.out, "config.json"), conf)
            for f in ("tokenizer.json", "tokenizer_config.json"):  # workbench eval finds the run's tokenizer here
                src = os.path.join(args.plan, f)
                if os.path.exists(src):
                    with open(src, "rb") as fi:
                        raw = fi.read()
                    with open(os.path.join(args.out, f + ".tmp"), "wb") as fo:
                        fo.write(raw)
                    os.replace(os.path.join(args.out, f + ".tmp"), os.path.join(args.out, f))
            metrics = open(os.path.join(args.out, "metrics.jsonl"), "a")
            events = open(os.path.join(args.out, "events.jsonl"), "a")
        L = c["layers"]
        wall, flops, tokens, last_tokens, last_wall = 0.0, 0.0, 0, 0, 0.0
        stage, real = 0, plan.first_real
        for kind, v in plan.items:
            if kind == "expand":
                vp = v["val_plans"]
                before = {k: self.val_loss(p) for k, p in vp.items() if k.endswith("_before")}
                self.expand(v)
                after = {k: self.val_loss(p) for k, p in vp.items() if k.endswith("_after")}
                stage, real = v["stage"], v["to"]
                if main:
                    ev = {"event": "expand", "step": v["step"], "flops": flops, "stage": stage, "from": v["from"], "to": v["to"], "map": v["map"]}
                    for k, x in list(before.items()) + list(after.items()):
                        ev["val_" + k] = x
                    for k, x in list(before.items()) + list(after.items()):
                        put_bpb(ev, "val_" + k + "_bpb", self.bpb(x, "val"))
                    events.write(json.dumps(ev) + "\n")
                    events.flush()
                continue
            t0 = time.perf_counter()
            loss, norm = self.train_step(v)
            if self.device.type == "cuda":
                torch.cuda.synchronize()
            wall += time.perf_counter() - t0
            tokens, flops = v["tokens"], v["flops"]
            if not math.isfinite(loss):
                raise RuntimeError(f"step {v['step']}: training loss is {loss}")
            step = v["step"]
            val = self.val_loss(v["eval_plan"]) if "eval_plan" in v else None
            if main and (step % c.get("log_every", 1) == 0 or val is not None or step == plan.steps):
                rate = (tokens - last_tokens) / max(wall - last_wall, 1e-9)
                last_tokens, last_wall = tokens, wall
                sampled = [len(p) for p in v["plans"]]
                line = {"step": step, "tokens": tokens, "flops": flops, "stage": stage, "depth": real, "lr": v["lr"],
                        "train_loss": loss, "grad_norm": norm, "tokens_per_s": round(rate), "wall_s": wall,
                        "sampled_depth": sampled[0] if len(sampled) == 1 else sampled}
                put_bpb(line, "train_bpb", self.bpb(loss, "train"))
                if val is not None:
                    line["val_loss"] = val
                    put_bpb(line, "val_bpb", self.bpb(val, "val"))
                if any(p != list(range(real)) for p in v["plans"]):
                    line["plan"] = v["plans"][0] if len(v["plans"]) == 1 else v["plans"]
                metrics.write(json.dumps(line) + "\n")
                metrics.flush()
            if main and args.progress and (step % max(1, plan.steps // 20) == 0 or step == plan.steps):
                print(f"step {step}/{plan.steps}  loss {loss:.4f}  {tokens / max(wall, 1e-9):.0f} tok/s", file=sys.stderr, flush=True)
        final = plan.end["final_eval_plan"]
        vloss, n = self.stream_loss(final)
        if main:
            metrics.close()
            events.close()
            self.save_model(os.path.join(args.out, "model.safetensors"), final)
            bpb = self.bpb(vloss, "val")
            write_json(os.path.join(args.out, "summary.json"), {
                "steps": plan.steps, "tokens": tokens, "flops": flops, "wall_s": wall, "interrupted": False,
                "val_loss": vloss, "bits_per_byte": bpb, "val_tokens": n, "tokens_per_s": tokens / max(wall, 1e-9)})
            print(f"done: {plan.steps} steps, {flops:.3g} FLOPs, {wall:.0f} s on {self.world} rank(s); validation loss {vloss:.4f} nats/token; wrote {args.out}",
                  file=sys.stderr)
        if self.world > 1:
            dist.barrier()
            dist.destroy_process_group()

    def bpb(self, nats, part):
        """Bits per byte of a loss on a split, with the split's tokens per byte (data.BitsPerByte)."""
        p = self.data.meta.get(part, {})
        if not p.get("bytes"):
            return float("nan")
        return nats * p["tokens"] / p["bytes"] / math.log(2)

    def save_model(self, path, plan):
        """The final model as workbench saves it: block i of the file is physical block plan[i]."""
        out = self.model.export(plan)
        write_safetensors(path, {n: t.detach().float().cpu().numpy() for n, t in out.items()},
                          {"format": "pt", "producer": "workbench-replay"})


def main(argv=None):
    ap = argparse.ArgumentParser(description="Replay a workbench plan with PyTorch (data-parallel under torchrun).")
    ap.add_argument("--plan", required=True, help="plan directory of one run (workbench plan --batches)")
    ap.add_argument("--data", required=True, help="token directory (train.bin, val.bin, meta.json)")
    ap.add_argument("--out", required=True, help="run directory to write (must not exist or be empty)")
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--bf16", action="store_true", help="bf16 autocast for the forward passes (GPU)")
    ap.add_argument("--threads", type=int, default=0, help="CPU threads per rank (0: PyTorch's default)")
    ap.add_argument("--rank-accum", type=int, default=1, help="split each rank's share of a micro-batch into this many passes (memory)")
    ap.add_argument("--progress", action="store_true", help="a progress line on standard error now and then")
    args = ap.parse_args(argv)
    try:
        Replay(args).run()
    except ReplayError as e:
        print(f"replay: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
