"""Check the golden fixtures in core/model/testdata/.

- validates the safetensors layout of every file (aligned header,
  contiguous data offsets, expected names, dtypes and shapes);
- recomputes the loss and gradients from the stored weights in float64 and
  float32 and prints the largest differences to the stored values;
- recomputes the loss with an independent loop-based NumPy float64 forward;
- replays the AdamW steps in float64 and float32;
- runs torch.autograd.gradcheck on a tiny float64 model with a plan that
  reuses a block.

Usage: /usr/bin/python3 tools/golden/verify.py [--dir DIR]
Exits non-zero if a check fails.
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np
import torch
from torch.nn.utils import stateless

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
import gpt  # noqa: E402
import hf_check  # noqa: E402

FAILED = []


def check(cond, msg):
    if not cond:
        FAILED.append(msg)
        print("FAIL:", msg)


def check_layout(path):
    """Validate the raw safetensors structure."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    check(n % 8 == 0, "%s: header length %d not a multiple of 8" % (path, n))
    header = json.loads(raw[8:8 + n])
    header.pop("__metadata__", None)
    spans = sorted(tuple(v["data_offsets"]) for v in header.values())
    pos = 0
    for b, e in spans:
        check(b == pos, "%s: gap or overlap at offset %d" % (path, b))
        pos = e
    check(8 + n + pos == len(raw), "%s: trailing bytes" % path)
    dtypes = sorted({v["dtype"] for v in header.values()})
    check(set(dtypes) <= {"F32", "I32"}, "%s: dtypes %s" % (path, dtypes))
    return len(raw), dtypes


def model_from(tensors, cfg, dtype):
    m = gpt.GPT(cfg).to(dtype)
    sd = {k: torch.from_numpy(tensors[k]).to(dtype)
          for k in m.state_dict().keys()}
    m.load_state_dict(sd)
    return m


def rounded(a64, stored32):
    """Whether float32 values are the round-to-nearest of float64 ones."""
    return np.array_equal(np.asarray(a64, np.float64).astype(np.float32),
                          np.asarray(stored32, np.float32))


def max_abs(a, b):
    return float(np.max(np.abs(np.asarray(a, np.float64)
                               - np.asarray(b, np.float64))))


def naive_loss(w, cfg, tokens, targets, plan):
    """Loop-based float64 forward, written independently of gpt.py."""
    d, H = cfg.n_embd, cfg.n_head
    hd = d // H
    g = {k: v.astype(np.float64) for k, v in w.items()}

    def ln(x, p):
        mu = x.mean()
        var = ((x - mu) ** 2).mean()
        return (x - mu) / math.sqrt(var + 1e-5) * g[p + ".weight"] \
            + g[p + ".bias"]

    def gelu(x):
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                      * (x + 0.044715 * x ** 3)))

    total, count = 0.0, 0
    for b in range(tokens.shape[0]):
        T = tokens.shape[1]
        xs = [g["transformer.wte.weight"][tokens[b, t]]
              + g["transformer.wpe.weight"][t] for t in range(T)]
        for i in plan:
            p = "transformer.h.%d." % i
            qkv = [ln(x, p + "ln_1") @ g[p + "attn.c_attn.weight"]
                   + g[p + "attn.c_attn.bias"] for x in xs]
            ys = []
            for t in range(T):
                y = np.zeros(d)
                for h in range(H):
                    sl = slice(h * hd, (h + 1) * hd)
                    q = qkv[t][0:d][sl]
                    s = np.array([q @ qkv[u][d:2 * d][sl] / math.sqrt(hd)
                                  for u in range(t + 1)])
                    a = np.exp(s - s.max())
                    a /= a.sum()
                    y[sl] = sum(a[u] * qkv[u][2 * d:3 * d][sl]
                                for u in range(t + 1))
                ys.append(y)
            xs = [x + y @ g[p + "attn.c_proj.weight"]
                  + g[p + "attn.c_proj.bias"] for x, y in zip(xs, ys)]
            xs = [x + gelu(ln(x, p + "ln_2") @ g[p + "mlp.c_fc.weight"]
                           + g[p + "mlp.c_fc.bias"])
                  @ g[p + "mlp.c_proj.weight"] + g[p + "mlp.c_proj.bias"]
                  for x in xs]
        for t in range(T):
            z = ln(xs[t], "transformer.ln_f") @ g["transformer.wte.weight"].T
            lse = z.max() + math.log(np.exp(z - z.max()).sum())
            total += lse - z[targets[b, t]]
            count += 1
    return total / count


def verify_golden(path):
    size, dtypes = check_layout(path)
    t, meta = gpt.load_safetensors(path)
    cfg = gpt.config_from_metadata(meta)
    plan = gpt.parse_plan(meta["plan"])
    names = [n for n, _ in gpt.GPT(cfg).named_parameters()]
    expect = set(names) | {"grad." + n for n in names} | \
        {"tokens", "targets", "loss"}
    check(set(t) == expect, "%s: unexpected names %s" %
          (path, sorted(set(t) ^ expect)))
    tokens = torch.from_numpy(t["tokens"].astype(np.int64))
    targets = torch.from_numpy(t["targets"].astype(np.int64))
    print("%s (%d bytes, %s, plan %s)" % (os.path.basename(path), size,
                                          "/".join(dtypes), meta["plan"]))
    print("  stored loss            %.9f" % t["loss"][0])
    res = {}
    for dt in (torch.float64, torch.float32):
        m = model_from(t, cfg, dt)
        loss = m.loss(tokens, targets, plan)
        loss.backward()
        grads = {n: p.grad.double().numpy() for n, p in m.named_parameters()}
        res[dt] = (loss.item(), grads)
        gmax = max(max_abs(grads[n], t["grad." + n]) for n in names)
        gscale = max(float(np.max(np.abs(t["grad." + n]))) for n in names)
        print("  %-7s loss %.9f  |loss-stored| %.3e  max|grad-stored| %.3e"
              " (max|grad| %.3e)" % (str(dt).split(".")[1], loss.item(),
                                     abs(loss.item() - t["loss"][0]), gmax,
                                     gscale))
    l64, g64 = res[torch.float64]
    l32, g32 = res[torch.float32]
    print("  float32 vs float64: |dloss| %.3e  max|dgrad| %.3e"
          % (abs(l32 - l64), max(max_abs(g32[n], g64[n]) for n in names)))
    check(np.float32(l64) == t["loss"][0], "%s: float64 loss" % path)
    check(all(rounded(g64[n], t["grad." + n]) for n in names),
          "%s: float64 grads are not the stored values" % path)
    ln = naive_loss({n: t[n] for n in names}, cfg, t["tokens"],
                    t["targets"], plan)
    print("  naive numpy float64 loss %.12f  |d| vs torch float64 %.3e"
          % (ln, abs(ln - l64)))
    check(abs(ln - l64) < 1e-12, "%s: naive forward disagrees" % path)
    return t, cfg


def replay_adamw(t0, cfg, tokens, targets, plan, steps, dtype):
    m = model_from(t0, cfg, dtype)
    opt = torch.optim.AdamW(gen.param_groups(m), lr=gen.LR, betas=gen.BETAS,
                            eps=gen.ADAM_EPS, weight_decay=gen.WEIGHT_DECAY)
    out = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = m.loss(tokens, targets, plan)
        (loss * gen.LOSS_SCALE).backward()
        norm = torch.nn.utils.clip_grad_norm_(list(m.parameters()),
                                              gen.MAX_NORM)
        opt.step()
        out.append((loss.item(), norm.item(),
                    {n: p.detach().double().numpy().copy()
                     for n, p in m.named_parameters()}))
    return out


def verify_adamw(path, t0, cfg):
    size, dtypes = check_layout(path)
    t, meta = gpt.load_safetensors(path)
    names = [n for n, _ in gpt.GPT(cfg).named_parameters()]
    expect = {"loss", "grad_norm", "unused.loss", "unused.grad_norm"}
    for pre in ("step1.", "step2.", "unused.step1."):
        expect |= {pre + n for n in names}
    check(set(t) == expect, "%s: unexpected names" % path)
    tokens = torch.from_numpy(t0["tokens"].astype(np.int64))
    targets = torch.from_numpy(t0["targets"].astype(np.int64))
    plan = gpt.parse_plan(meta["plan"])
    unused_plan = gpt.parse_plan(meta["plan_unused"])
    print("%s (%d bytes, %s, plan %s, plan_unused %s)"
          % (os.path.basename(path), size, "/".join(dtypes), meta["plan"],
             meta["plan_unused"]))
    print("  stored loss %s grad_norm %s unused.loss %.9f "
          "unused.grad_norm %.9f" % (t["loss"].tolist(),
                                     t["grad_norm"].tolist(),
                                     t["unused.loss"][0],
                                     t["unused.grad_norm"][0]))
    for dt in (torch.float64, torch.float32):
        r = replay_adamw(t0, cfg, tokens, targets, plan, 2, dt)
        u = replay_adamw(t0, cfg, tokens, targets, unused_plan, 1, dt)
        d1 = max(max_abs(r[0][2][n], t["step1." + n]) for n in names)
        d2 = max(max_abs(r[1][2][n], t["step2." + n]) for n in names)
        du = max(max_abs(u[0][2][n], t["unused.step1." + n]) for n in names)
        dn = max(abs(r[0][1] - t["grad_norm"][0]),
                 abs(r[1][1] - t["grad_norm"][1]))
        print("  %-7s max|step1-stored| %.3e  max|step2-stored| %.3e  "
              "max|unused.step1-stored| %.3e  max|grad_norm-stored| %.3e"
              % (str(dt).split(".")[1], d1, d2, du, dn))
        if dt == torch.float64:
            check(all(rounded(r[0][2][n], t["step1." + n])
                      and rounded(r[1][2][n], t["step2." + n])
                      and rounded(u[0][2][n], t["unused.step1." + n])
                      for n in names), "%s: float64 replay" % path)
    moved = max(max_abs(t["step1." + n], t0[n]) for n in names)
    print("  max|step1 - initial| %.3e (lr %g)" % (moved, gen.LR))
    for n in names:
        if n.startswith("transformer.h.1."):
            check(np.array_equal(t["unused.step1." + n], t0[n]),
                  "%s: unused block changed: %s" % (path, n))
        else:
            check(not np.array_equal(t["unused.step1." + n], t0[n]),
                  "%s: used parameter unchanged: %s" % (path, n))
    print("  unused block transformer.h.1.*: bit-identical to initial "
          "weights")


def per_token_loss(model, data, T):
    """Score each token separately with the context its window gives it."""
    x = torch.from_numpy(np.asarray(data, dtype=np.int64))
    total = 0.0
    with torch.no_grad():
        for i in range(1, len(x)):
            s = ((i - 1) // T) * T
            logits = model(x[s:i][None, :])[0, -1]
            total += float(torch.logsumexp(logits.double(), 0)
                           - logits.double()[x[i]])
    return total / (len(x) - 1), len(x) - 1


def verify_hf_tiny(d):
    text = os.path.join(d, "text.txt")
    with open(text, "rb") as f:
        data = np.frombuffer(f.read(), dtype=np.uint8)
    for name, mb, T in (("expected.json", None, None),
                        ("expected_max100_seq5.json", 100, 5)):
        with open(os.path.join(d, name)) as f:
            want = json.load(f)
        m64, cfg = hf_check.load_model(d, torch.float64)
        TT = cfg.n_positions if T is None else T
        sub = data if mb is None else data[:mb]
        loss, n = per_token_loss(m64, sub, TT)
        f32 = hf_check.run(d, text, mb, T, 16, torch.float32)
        b1 = hf_check.run(d, text, mb, T, 1, torch.float64)
        print("hf_tiny/%s: %s" % (name, json.dumps(want)))
        print("  per-token float64 loss %.12f (|d| %.3e), batch=1 |d| %.3e,"
              " float32 |dloss| %.3e |dbpb| %.3e"
              % (loss, abs(loss - want["loss"]),
                 abs(b1["loss"] - want["loss"]),
                 abs(f32["loss"] - want["loss"]),
                 abs(f32["bits_per_byte"] - want["bits_per_byte"])))
        check(n == want["tokens"] and abs(loss - want["loss"]) < 1e-12,
              "hf_tiny %s: per-token loss disagrees" % name)
        check(abs(want["bits_per_byte"] - want["loss"] / math.log(2))
              < 1e-12, "hf_tiny %s: bits_per_byte" % name)
        check(abs(f32["loss"] - want["loss"]) < 1e-5,
              "hf_tiny %s: float32 loss" % name)


def run_gradcheck():
    cfg = gpt.Config(n_layer=2, n_embd=8, n_head=2, n_positions=5,
                     vocab_size=11)
    m = gpt.GPT(cfg).double()
    gpt.init_params(m, seed=3, std=0.3)
    g = torch.Generator().manual_seed(4)
    tokens = torch.randint(0, 11, (2, 5), generator=g)
    targets = torch.randint(0, 11, (2, 5), generator=g)
    names = [n for n, _ in m.named_parameters()]
    inputs = tuple(p.detach().clone().requires_grad_(True)
                   for p in m.parameters())

    def f(*ps):
        logits = stateless.functional_call(m, dict(zip(names, ps)),
                                           (tokens, [1, 0, 1]))
        return torch.nn.functional.cross_entropy(logits.reshape(-1, 11),
                                                 targets.reshape(-1))

    ok = torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-8, rtol=1e-6)
    n = sum(p.numel() for p in inputs)
    print("gradcheck float64 (V=11 d=8 H=2 L=2 T=5 B=2 plan 1,0,1, %d "
          "inputs): %s" % (n, ok))
    check(ok, "gradcheck")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=os.path.normpath(
        os.path.join(here, "..", "..", "core", "model", "testdata")))
    args = ap.parse_args()
    torch.set_num_threads(1)
    t0, cfg = verify_golden(os.path.join(args.dir, "gpt_golden.safetensors"))
    verify_golden(os.path.join(args.dir, "gpt_golden_strong.safetensors"))
    verify_adamw(os.path.join(args.dir, "gpt_golden_adamw.safetensors"),
                 t0, cfg)
    verify_hf_tiny(os.path.join(args.dir, "hf_tiny"))
    run_gradcheck()
    if FAILED:
        print("%d check(s) failed" % len(FAILED))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
