"""Minimal BertForMaskedLM in plain torch with Hugging Face parameter names.

An independent reference for workbench's BERT: written from the Hugging
Face BertForMaskedLM semantics, not from the Go code. Supports a depth plan
(an ordered list of physical encoder layers, a layer may repeat) and a
padding mask.

Semantics:
  x = LayerNorm(word[ids] + type[0] + pos[0:T])              (eps 1e-12)
  per plan entry i, layer = bert.encoder.layer.{i}:
    a = softmax(q k^T / sqrt(d/H) + mask) v                  (bidirectional)
    x = LayerNorm(x + dense(a))                              (post-LN)
    x = LayerNorm(x + dense(gelu_erf(dense(x))))
  h = LayerNorm(gelu_erf(dense(x)))                          (MLM transform)
  logits = h @ word^T + cls.predictions.bias                 (tied decoder)
  loss = mean cross-entropy over positions whose label is not -100
All linear weights are nn.Linear's [out, in]. The mask adds the most
negative finite value of the dtype to the scores of padding keys, as
Hugging Face's get_extended_attention_mask does.
"""

import math

import torch
import torch.nn.functional as F

IGNORE = -100


class Config:
    def __init__(self, num_hidden_layers, hidden_size, num_attention_heads,
                 max_position_embeddings, vocab_size, type_vocab_size=2,
                 layer_norm_eps=1e-12):
        self.num_hidden_layers = num_hidden_layers
        self.hidden_size = hidden_size
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = 4 * hidden_size
        self.max_position_embeddings = max_position_embeddings
        self.vocab_size = vocab_size
        self.type_vocab_size = type_vocab_size
        self.layer_norm_eps = layer_norm_eps

    def metadata(self):
        return {k: str(v) for k, v in vars(self).items()}

    def hf(self):
        return {
            "model_type": "bert", "architectures": ["BertForMaskedLM"],
            "hidden_size": self.hidden_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "intermediate_size": self.intermediate_size,
            "hidden_act": "gelu",
            "max_position_embeddings": self.max_position_embeddings,
            "type_vocab_size": self.type_vocab_size,
            "layer_norm_eps": self.layer_norm_eps,
            "vocab_size": self.vocab_size,
        }


def gelu_erf(x):
    return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


class SelfAttention(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.hidden_size
        self.query = torch.nn.Linear(d, d)
        self.key = torch.nn.Linear(d, d)
        self.value = torch.nn.Linear(d, d)
        self.h = cfg.num_attention_heads

    def forward(self, x, mask):
        B, T, d = x.shape
        hs = d // self.h

        def heads(t):
            return t.view(B, T, self.h, hs).transpose(1, 2)
        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        s = q @ k.transpose(-1, -2) / math.sqrt(hs) + mask
        a = torch.softmax(s, dim=-1) @ v
        return a.transpose(1, 2).reshape(B, T, d)


class Output(torch.nn.Module):
    def __init__(self, d_in, d, eps):
        super().__init__()
        self.dense = torch.nn.Linear(d_in, d)
        self.LayerNorm = torch.nn.LayerNorm(d, eps=eps)

    def forward(self, h, resid):
        return self.LayerNorm(self.dense(h) + resid)


class Attention(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        setattr(self, "self", SelfAttention(cfg))
        self.output = Output(cfg.hidden_size, cfg.hidden_size, cfg.layer_norm_eps)

    def forward(self, x, mask):
        return self.output(getattr(self, "self")(x, mask), x)


class Intermediate(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = torch.nn.Linear(cfg.hidden_size, cfg.intermediate_size)

    def forward(self, x):
        return gelu_erf(self.dense(x))


class Layer(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention = Attention(cfg)
        self.intermediate = Intermediate(cfg)
        self.output = Output(cfg.intermediate_size, cfg.hidden_size, cfg.layer_norm_eps)

    def forward(self, x, mask):
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class Embeddings(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg.hidden_size
        self.word_embeddings = torch.nn.Embedding(cfg.vocab_size, d)
        self.position_embeddings = torch.nn.Embedding(cfg.max_position_embeddings, d)
        self.token_type_embeddings = torch.nn.Embedding(cfg.type_vocab_size, d)
        self.LayerNorm = torch.nn.LayerNorm(d, eps=cfg.layer_norm_eps)

    def forward(self, ids):
        T = ids.shape[1]
        types = torch.zeros_like(ids)
        pos = torch.arange(T)
        e = self.word_embeddings(ids) + self.token_type_embeddings(types)
        e = e + self.position_embeddings(pos)[None]
        return self.LayerNorm(e)


class Encoder(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layer = torch.nn.ModuleList(Layer(cfg) for _ in range(cfg.num_hidden_layers))


class Bert(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.embeddings = Embeddings(cfg)
        self.encoder = Encoder(cfg)


class Transform(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.dense = torch.nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.LayerNorm = torch.nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, x):
        return self.LayerNorm(gelu_erf(self.dense(x)))


class Predictions(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.transform = Transform(cfg)
        self.bias = torch.nn.Parameter(torch.zeros(cfg.vocab_size))


class Cls(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.predictions = Predictions(cfg)


class BertForMaskedLM(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.bert = Bert(cfg)
        self.cls = Cls(cfg)

    def forward(self, ids, attention_mask=None, plan=None):
        if plan is None:
            plan = list(range(self.cfg.num_hidden_layers))
        x = self.bert.embeddings(ids)
        if attention_mask is None:
            attention_mask = torch.ones_like(ids)
        mask = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        for i in plan:
            x = self.bert.encoder.layer[i](x, mask)
        h = self.cls.predictions.transform(x)
        return h @ self.bert.embeddings.word_embeddings.weight.t() + self.cls.predictions.bias

    def loss(self, ids, labels, attention_mask=None, plan=None):
        logits = self.forward(ids, attention_mask, plan)
        V = logits.shape[-1]
        return F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=IGNORE)


def init_params(model, seed=0, std=0.02):
    """normal(0, std) for every parameter in named_parameters() order after
    torch.manual_seed(seed); LayerNorm weights get +1. Biases are random too,
    so that every term of the gradient is exercised."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.normal_(0.0, std)
            if name.endswith("LayerNorm.weight"):
                p.add_(1.0)


def lens_mask(lens, T):
    """attention_mask [B, T]: 1 for the first lens[b] positions, 0 after."""
    return (torch.arange(T)[None, :] < torch.tensor(lens)[:, None]).to(torch.int64)
