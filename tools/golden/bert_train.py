"""Train bert.py's independent BertForMaskedLM from scratch with the recipe of
`workbench train --arch bert`, to tell a property of the recipe from a
property of the Go engine.

Usage:
  /usr/bin/python3 tools/golden/bert_train.py --data TOKENS_DIR --out DIR \
      [--layers 6] [--dim 256] [--heads 8] [--seq 128] [--batch 16] \
      [--steps 600] [--lr 1e-3] [--min-lr 1e-4] [--warmup 0.025] \
      [--wd 0.01] [--clip 1.0] [--mask-rate 0.15] [--seed 1] [--threads 0] \
      [--log FILE]

The defaults are those of `workbench train`. TOKENS_DIR is a workbench token
directory (`workbench data encode`): meta.json (dtype uint16, vocab_size),
train.bin, and tokenizer.json whose added tokens name [CLS] [SEP] [MASK]
[PAD]. DIR receives config.json (BertConfig keys) and model.safetensors
(BertForMaskedLM names, tied decoder omitted), written atomically, which
bert_check.py reads. --log FILE gets one JSON line per step: step, lr,
train_loss, grad_norm. Progress goes to stderr.

What it mirrors of workbench (core/data/mlm.go, core/train, core/optim,
core/model):
  - sequence [CLS] w [SEP] with w = seq-2 consecutive tokens of train.bin
    starting at a uniform position in [0, len-w); no padding;
  - each position other than [CLS] and [SEP] selected with probability
    --mask-rate; a selected token becomes [MASK] (80%), a uniform random
    token from the vocabulary minus [CLS] [SEP] [MASK] [PAD] (10%), or
    stays (10%); [UNK] is an ordinary token, as in the Go code;
  - loss: mean cross-entropy over the selected positions of the batch;
  - init: every matrix and embedding normal(0, 0.02), LayerNorm weights 1,
    every bias (including the decoder bias) 0; decoder tied to the word
    embeddings; no dropout;
  - learning rate of step s (1-based) = schedule(s / steps): linear warmup
    over the first --warmup fraction, then half-cosine to --min-lr;
  - global gradient-norm clipping min(1, clip / (norm + 1e-6)), logged norm
    is the one before clipping;
  - AdamW (torch.optim.AdamW: betas 0.9/0.999, eps 1e-8) with weight decay
    on the 2-D tensors only (matrices and embeddings), none on biases and
    LayerNorm parameters.
What it does not mirror: the random number generators (numpy's and
torch's, seeded with --seed, instead of workbench's PCG streams), so the
initial weights, windows and masks differ from a Go run with the same
seed: the comparison is between two runs of the same recipe, not of the
same batches. The MLM head runs only on the selected positions, as the Go
code does; that gives the same loss and gradients as running it everywhere.
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert  # noqa: E402
import gpt  # noqa: E402  (safetensors writer)

SPECIALS = ("[CLS]", "[SEP]", "[MASK]", "[PAD]")


def fail(msg):
    raise SystemExit("bert_train: " + msg)


def load_tokens(d):
    """Return (train tokens as a uint16 memmap, vocab size, special ids)."""
    meta_path = os.path.join(d, "meta.json")
    for name in ("meta.json", "train.bin", "tokenizer.json"):
        if not os.path.isfile(os.path.join(d, name)):
            fail("%s: missing; --data must be a workbench token directory" % os.path.join(d, name))
    try:
        with open(meta_path) as f:
            meta = json.load(f)
    except ValueError as e:
        fail("%s: not JSON: %s" % (meta_path, e))
    if meta.get("dtype") != "uint16":
        fail("%s: dtype %r, want \"uint16\"" % (meta_path, meta.get("dtype")))
    vocab = meta.get("vocab_size")
    if not isinstance(vocab, int) or vocab <= len(SPECIALS):
        fail("%s: vocab_size %r, want an integer above %d" % (meta_path, vocab, len(SPECIALS)))
    tok_path = os.path.join(d, "tokenizer.json")
    with open(tok_path) as f:
        tok = json.load(f)
    ids = {t["content"]: t["id"] for t in tok.get("added_tokens") or []}
    model_vocab = (tok.get("model") or {}).get("vocab") or {}
    special = {}
    for s in SPECIALS:
        i = ids.get(s, model_vocab.get(s))
        if not isinstance(i, int) or not 0 <= i < vocab:
            fail("%s: no %s token within the vocabulary of %d; a BERT needs %s"
                 % (tok_path, s, vocab, " ".join(SPECIALS)))
        special[s] = i
    train_path = os.path.join(d, "train.bin")
    size = os.path.getsize(train_path)
    if size % 2:
        fail("%s: %d bytes, not a whole number of uint16 tokens" % (train_path, size))
    tokens = np.memmap(train_path, dtype="<u2", mode="r")
    if int(tokens.max()) >= vocab:
        fail("%s: token id %d outside the vocabulary of %d" % (train_path, int(tokens.max()), vocab))
    return tokens, vocab, special


class Batches:
    """Masked MLM batches of b sequences of t positions drawn from tokens."""

    def __init__(self, tokens, b, t, vocab, special, rate, rng):
        self.tokens, self.b, self.t, self.rate, self.rng = tokens, b, t, rate, rng
        self.w = t - 2
        if len(tokens) < self.w + 1:
            fail("train.bin holds %d tokens, a sequence of %d needs at least %d"
                 % (len(tokens), t, self.w + 1))
        self.cls, self.sep, self.mask = special["[CLS]"], special["[SEP]"], special["[MASK]"]
        ordinary = np.ones(vocab, dtype=bool)
        ordinary[list(special.values())] = False
        self.ordinary = np.nonzero(ordinary)[0]

    def next(self):
        b, t, w, rng = self.b, self.t, self.w, self.rng
        starts = rng.integers(0, len(self.tokens) - w, size=b)
        seq = np.empty((b, t), dtype=np.int64)
        seq[:, 0], seq[:, -1] = self.cls, self.sep
        for i, s in enumerate(starts):
            seq[i, 1:-1] = self.tokens[s:s + w]
        labels = np.full((b, t), bert.IGNORE, dtype=np.int64)
        sel = rng.random((b, t)) < self.rate
        sel[:, 0] = sel[:, -1] = False
        labels[sel] = seq[sel]
        u = rng.random((b, t))
        seq[sel & (u < 0.8)] = self.mask
        rand = sel & (u >= 0.8) & (u < 0.9)
        seq[rand] = self.ordinary[rng.integers(0, len(self.ordinary), size=int(rand.sum()))]
        return torch.from_numpy(seq), torch.from_numpy(labels)


def lr_at(step, steps, peak, low, warmup):
    """Learning rate of 1-based step `step` of `steps`: linear warmup over the
    first `warmup` fraction, then half-cosine from peak to low."""
    p = min(1.0, max(0.0, step / steps))
    if p < warmup:
        return peak * p / warmup
    q = (p - warmup) / (1 - warmup) if warmup < 1 else 1.0
    return low + (peak - low) * 0.5 * (1 + math.cos(math.pi * q))


def init_weights(model, seed):
    """normal(0, 0.02) for matrices and embeddings, 1 for LayerNorm weights,
    0 for biases."""
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:
                p.normal_(0.0, 0.02)
            elif name.endswith("LayerNorm.weight"):
                p.fill_(1.0)
            else:
                p.zero_()


def mlm_loss(model, ids, labels):
    """Mean cross-entropy over the labelled positions, running the MLM head
    on those rows only."""
    x = model.bert.embeddings(ids)
    for layer in model.bert.encoder.layer:
        x = layer(x, 0.0)
    keep = labels.reshape(-1) != bert.IGNORE
    h = model.cls.predictions.transform(x.reshape(-1, x.shape[-1])[keep])
    logits = h @ model.bert.embeddings.word_embeddings.weight.t() + model.cls.predictions.bias
    return F.cross_entropy(logits, labels.reshape(-1)[keep])


def save(model, cfg, out, extra):
    os.makedirs(out, exist_ok=True)
    st = os.path.join(out, "model.safetensors")
    gpt.save_safetensors(st + ".tmp", {k: v.float() for k, v in model.state_dict().items()})
    os.replace(st + ".tmp", st)
    conf = dict(cfg.hf(), **extra)
    cj = os.path.join(out, "config.json")
    with open(cj + ".tmp", "w") as f:
        json.dump(conf, f, indent=2)
        f.write("\n")
    os.replace(cj + ".tmp", cj)


def positive(kind):
    def parse(s):
        v = kind(s)
        if v <= 0:
            raise argparse.ArgumentTypeError("must be positive, got %s" % s)
        return v
    return parse


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="workbench token directory")
    ap.add_argument("--out", required=True, help="directory for config.json and model.safetensors")
    ap.add_argument("--layers", type=positive(int), default=6)
    ap.add_argument("--dim", type=positive(int), default=256)
    ap.add_argument("--heads", type=positive(int), default=8)
    ap.add_argument("--seq", type=positive(int), default=128)
    ap.add_argument("--batch", type=positive(int), default=16)
    ap.add_argument("--steps", type=positive(int), default=600)
    ap.add_argument("--lr", type=positive(float), default=1e-3)
    ap.add_argument("--min-lr", type=float, default=1e-4)
    ap.add_argument("--warmup", type=float, default=0.025, help="fraction of training")
    ap.add_argument("--wd", type=float, default=0.01)
    ap.add_argument("--clip", type=float, default=1.0, help="0: off")
    ap.add_argument("--mask-rate", type=float, default=0.15)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="0: torch's default")
    ap.add_argument("--log", help="JSON lines file, one line per step")
    a = ap.parse_args()
    if a.dim % a.heads:
        fail("--dim %d is not a multiple of --heads %d" % (a.dim, a.heads))
    if a.seq < 3:
        fail("--seq %d: an MLM sequence needs at least 3 positions" % a.seq)
    if not 0 <= a.warmup < 1:
        fail("--warmup %g: want a fraction in [0, 1)" % a.warmup)
    if not 0 < a.mask_rate < 1:
        fail("--mask-rate %g: want a fraction in (0, 1)" % a.mask_rate)
    if a.threads > 0:
        torch.set_num_threads(a.threads)

    tokens, vocab, special = load_tokens(a.data)
    batches = Batches(tokens, a.batch, a.seq, vocab, special, a.mask_rate, np.random.default_rng(a.seed))
    cfg = bert.Config(a.layers, a.dim, a.heads, a.seq, vocab)
    model = bert.BertForMaskedLM(cfg)
    init_weights(model, a.seed)
    decay = [p for p in model.parameters() if p.dim() == 2]
    other = [p for p in model.parameters() if p.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.wd},
                             {"params": other, "weight_decay": 0.0}],
                            lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    params = list(model.parameters())
    print("bert_train: %d layers, d=%d, %d heads, seq %d, batch %d, %d parameters, %d steps -> %s"
          % (a.layers, a.dim, a.heads, a.seq, a.batch, sum(p.numel() for p in params), a.steps, a.out),
          file=sys.stderr)
    log = open(a.log, "w") if a.log else None
    start = last = time.time()
    for step in range(1, a.steps + 1):
        lr = lr_at(step, a.steps, a.lr, a.min_lr, a.warmup)
        for g in opt.param_groups:
            g["lr"] = lr
        ids, labels = batches.next()
        loss = mlm_loss(model, ids, labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in params if p.grad is not None))
        if a.clip > 0:
            scale = min(1.0, a.clip / (norm + 1e-6))
            if scale < 1:
                for p in params:
                    if p.grad is not None:
                        p.grad.mul_(scale)
        opt.step()
        if log:
            log.write(json.dumps({"step": step, "lr": lr, "train_loss": float(loss), "grad_norm": norm}) + "\n")
            log.flush()
        now = time.time()
        if now - last >= 10 or step == a.steps:
            last = now
            rate = step * a.batch * a.seq / (now - start)
            eta = (a.steps - step) * (now - start) / step
            print("step %d/%d  loss %.4f  %.0f tok/s  ETA %dm%02ds"
                  % (step, a.steps, float(loss), rate, eta // 60, eta % 60), file=sys.stderr)
    if log:
        log.close()
    save(model, cfg, a.out, {"train_steps": a.steps, "seed": a.seed, "lr": a.lr, "min_lr": a.min_lr,
                             "warmup": a.warmup, "wd": a.wd, "clip": a.clip, "batch": a.batch,
                             "mask_rate": a.mask_rate, "data": a.data})
    print("bert_train: wrote %s in %.0f s" % (a.out, time.time() - start), file=sys.stderr)


if __name__ == "__main__":
    main()
