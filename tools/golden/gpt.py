"""Minimal GPT-2 reference model in plain PyTorch, plus a small safetensors
reader and writer.

The model follows Hugging Face GPT-2 semantics and parameter names exactly,
so that ``state_dict()`` keys are the HF names (``transformer.wte.weight``,
``transformer.h.0.attn.c_attn.weight``, ...). Linear layers use the GPT-2
Conv1D layout: weight [in, out], y = x @ W + b. The LM head is tied to the
token embedding and has no bias. There is no dropout.

The forward pass takes a depth ``plan``: an ordered list of physical block
indices. Block ``plan[i]`` is applied at depth position ``i``; a block used
several times receives the sum of all its gradient contributions, and a
block that does not appear in the plan receives no gradient at all.
"""

import json
import math
import struct

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LN_EPS = 1e-5


class Config:
    """GPT-2 hyper-parameters (names as in Hugging Face GPT2Config)."""

    def __init__(self, n_layer, n_embd, n_head, n_positions, vocab_size,
                 layer_norm_epsilon=LN_EPS):
        if n_embd % n_head != 0:
            raise ValueError("n_embd (%d) must be divisible by n_head (%d)"
                             % (n_embd, n_head))
        self.n_layer = int(n_layer)
        self.n_embd = int(n_embd)
        self.n_head = int(n_head)
        self.n_positions = int(n_positions)
        self.vocab_size = int(vocab_size)
        self.layer_norm_epsilon = float(layer_norm_epsilon)

    def metadata(self):
        """Config as safetensors string metadata."""
        return {
            "n_layer": str(self.n_layer),
            "n_embd": str(self.n_embd),
            "n_head": str(self.n_head),
            "n_positions": str(self.n_positions),
            "vocab_size": str(self.vocab_size),
        }


class Conv1D(nn.Module):
    """GPT-2 Conv1D: weight [n_in, n_out], y = x @ weight + bias."""

    def __init__(self, n_in, n_out):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_in, n_out))
        self.bias = nn.Parameter(torch.empty(n_out))

    def forward(self, x):
        return x @ self.weight + self.bias


def gelu_tanh(x):
    """GELU, tanh approximation (GPT-2 "gelu_new")."""
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi)
                                       * (x + 0.044715 * x * x * x)))


class Attention(nn.Module):
    """Causal multi-head self-attention with fused q/k/v projection."""

    def __init__(self, cfg):
        super().__init__()
        self.n_head = cfg.n_head
        self.n_embd = cfg.n_embd
        self.c_attn = Conv1D(cfg.n_embd, 3 * cfg.n_embd)
        self.c_proj = Conv1D(cfg.n_embd, cfg.n_embd)

    def forward(self, x):
        B, T, d = x.shape
        H = self.n_head
        hd = d // H
        qkv = self.c_attn(x)
        q, k, v = qkv.split(d, dim=2)
        # [B, T, d] -> [B, H, T, hd]; head h owns columns h*hd .. h*hd+hd-1.
        q = q.view(B, T, H, hd).transpose(1, 2)
        k = k.view(B, T, H, hd).transpose(1, 2)
        v = v.view(B, T, H, hd).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hd)
        causal = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~causal, float("-inf"))
        att = torch.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, d)
        return self.c_proj(y)


class MLP(nn.Module):
    """Position-wise feed-forward network with GELU (tanh)."""

    def __init__(self, cfg):
        super().__init__()
        self.c_fc = Conv1D(cfg.n_embd, 4 * cfg.n_embd)
        self.c_proj = Conv1D(4 * cfg.n_embd, cfg.n_embd)

    def forward(self, x):
        return self.c_proj(gelu_tanh(self.c_fc(x)))


class Block(nn.Module):
    """Pre-LayerNorm transformer block."""

    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.attn = Attention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class Transformer(nn.Module):
    """Embeddings, blocks and final LayerNorm (the HF ``transformer``)."""

    def __init__(self, cfg):
        super().__init__()
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.n_positions, cfg.n_embd)
        self.h = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.n_embd, eps=cfg.layer_norm_epsilon)


class GPT(nn.Module):
    """GPT-2 language model with tied LM head and a depth plan."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = Transformer(cfg)

    def forward(self, tokens, plan=None):
        """Return logits [B, T, V] for int64 tokens [B, T].

        plan is a list of physical block indices (default: 0..n_layer-1).
        """
        cfg = self.cfg
        if plan is None:
            plan = list(range(cfg.n_layer))
        B, T = tokens.shape
        if T > cfg.n_positions:
            raise ValueError("sequence length %d exceeds n_positions %d"
                             % (T, cfg.n_positions))
        tr = self.transformer
        pos = torch.arange(T, device=tokens.device)
        x = tr.wte(tokens) + tr.wpe(pos)[None, :, :]
        for i in plan:
            if not 0 <= i < cfg.n_layer:
                raise ValueError("plan entry %d out of range [0, %d)"
                                 % (i, cfg.n_layer))
            x = tr.h[i](x)
        x = tr.ln_f(x)
        return x @ tr.wte.weight.t()

    def loss(self, tokens, targets, plan=None):
        """Mean cross-entropy over all B*T positions (natural log)."""
        logits = self.forward(tokens, plan)
        V = logits.shape[-1]
        return F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))


def init_params(model, seed=0, std=0.02):
    """Deterministic random initialisation of every parameter.

    Draws, in ``named_parameters()`` order after ``torch.manual_seed(seed)``,
    normal(0, std) for every tensor; LayerNorm weights get +1. Biases and
    LayerNorm biases are random too so that every term is exercised.
    """
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.normal_(0.0, std)
            if is_layernorm(name) and name.endswith(".weight"):
                p.add_(1.0)


def is_layernorm(name):
    """Whether a parameter name belongs to a LayerNorm."""
    parts = name.split(".")
    return len(parts) >= 2 and parts[-2] in ("ln_1", "ln_2", "ln_f")


# ---------------------------------------------------------------- safetensors

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "U8": np.dtype("u1"),
}
_NP_TO_ST = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32",
             np.dtype("<f2"): "F16", np.dtype("<i8"): "I64",
             np.dtype("<i4"): "I32", np.dtype("u1"): "U8"}


def save_safetensors(path, tensors, metadata=None):
    """Write an ordered dict name -> numpy array (or torch tensor).

    Data is laid out in the given order; the header is padded with spaces
    to a multiple of 8 bytes.
    """
    header = {}
    if metadata:
        for k, v in metadata.items():
            if not isinstance(k, str) or not isinstance(v, str):
                raise TypeError("metadata must map str to str: %r" % (k,))
        header["__metadata__"] = dict(metadata)
    blobs = []
    offset = 0
    for name, arr in tensors.items():
        if isinstance(arr, torch.Tensor):
            arr = arr.detach().cpu().numpy()
        arr = np.ascontiguousarray(arr)
        dt = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" \
            else arr.dtype
        st = _NP_TO_ST.get(np.dtype(dt))
        if st is None:
            raise TypeError("unsupported dtype %s for %s" % (arr.dtype, name))
        data = arr.astype(_DTYPES[st], copy=False).tobytes(order="C")
        header[name] = {"dtype": st, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((8 - len(hjson) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for b in blobs:
            f.write(b)


def load_safetensors(path):
    """Read a safetensors file; return (dict name -> numpy array, metadata).

    F16 and BF16 tensors are converted to float32.
    """
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError("%s: file too short for a safetensors header" % path)
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError("%s: header length %d exceeds file size %d"
                         % (path, n, len(raw)))
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    meta = header.pop("__metadata__", {}) or {}
    out = {}
    for name, info in header.items():
        st = info["dtype"]
        shape = tuple(info["shape"])
        b, e = info["data_offsets"]
        if not 0 <= b <= e <= len(raw) - base:
            raise ValueError("%s: tensor %s has data_offsets [%d, %d] "
                             "outside the data section" % (path, name, b, e))
        buf = raw[base + b:base + e]
        if st == "BF16":
            u = np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16
            arr = u.view(np.float32)
        elif st in _DTYPES:
            arr = np.frombuffer(buf, dtype=_DTYPES[st])
            if st == "F16":
                arr = arr.astype(np.float32)
        else:
            raise ValueError("%s: tensor %s has unsupported dtype %s"
                             % (path, name, st))
        count = int(np.prod(shape)) if shape else 1
        if arr.size != count:
            raise ValueError("%s: tensor %s has %d elements, shape %s needs %d"
                             % (path, name, arr.size, list(shape), count))
        out[name] = arr.reshape(shape).copy()
    return out, meta


def config_from_metadata(meta):
    """Build a Config from safetensors string metadata."""
    return Config(int(meta["n_layer"]), int(meta["n_embd"]),
                  int(meta["n_head"]), int(meta["n_positions"]),
                  int(meta["vocab_size"]))


def parse_plan(s):
    """Parse a plan string such as "0,0,1"."""
    return [int(t) for t in s.split(",") if t.strip() != ""]
