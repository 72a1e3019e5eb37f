"""PyTorch reference for `workbench bench`: the same training step on the
same shapes, timed the same way, printed as the same JSON lines.

The configuration bert-tiny is a BERT as the engine implements it (see
build_bert); the others are GPT-2 as the workbench engine implements it: learned token and
position embeddings, pre-LayerNorm blocks (eps 1e-5) with causal multi-head
self-attention and an MLP of width 4d with the tanh GELU, a final LayerNorm
and an LM head tied to the token embedding; no dropout; float32. Linear
layers keep GPT-2's Conv1D layout (weight [in, out], y = x @ W + b), so the
matrix products have the engine's shapes. One training step is forward,
backward, clip_grad_norm_(1.0) and AdamW (lr 1e-3, betas 0.9/0.999, eps
1e-8, weight decay 0.01 on matrices and embeddings, none on biases and
LayerNorm), on fresh random tokens.

Run it with the environment Debian's OpenBLAS needs: on a CPU with AVX-512
(which it misdetects, running several times slower)

    OPENBLAS_CORETYPE=SkylakeX OMP_WAIT_POLICY=PASSIVE \\
        /usr/bin/python3 bench/torch_ref.py --config tiny --threads 2

and without OPENBLAS_CORETYPE on a CPU without AVX-512 (where the SkylakeX
kernels stop with an illegal instruction).

Output: one JSON object per configuration per line on stdout (config,
threads, impl, shape, params, warmup, steps, tokens_per_step,
flops_per_step, ms_per_step, ms_min, ms_max, tokens_per_s, gflops,
peak_rss_mb, cpus, loss, blas); progress and warnings on stderr. Debian's
torch uses whatever libblas.so.3 the system provides: install
libopenblas0-openmp, or the script warns that it measures a reference BLAS.
"""

import argparse
import gc
import json
import math
import os
import resource
import statistics
import sys
import time

SHAPES = [
    dict(name="tiny", layers=6, dim=256, heads=8, seq=128, batch=16, vocab=256),
    dict(name="small", layers=12, dim=384, heads=6, seq=256, batch=8, vocab=256),
    dict(name="gpt2-124m", layers=12, dim=768, heads=12, seq=256, batch=4,
         vocab=50257),
    dict(name="gpt2bpe-tiny", layers=6, dim=256, heads=8, seq=128, batch=16,
         vocab=50257),
    dict(name="bert-tiny", arch="bert", layers=6, dim=256, heads=8, seq=128,
         batch=16, vocab=260),
]

MASK_RATE = 0.15
BYTE_CLS, BYTE_SEP, BYTE_MASK = 257, 258, 259


def has_avx512():
    """Whether the CPU has AVX-512F (from /proc/cpuinfo; False elsewhere)."""
    try:
        with open("/proc/cpuinfo") as f:
            return any(line.startswith("flags") and "avx512f" in line.split()
                       for line in f)
    except OSError:
        return False


def required_env():
    """The environment OpenBLAS needs: OMP_WAIT_POLICY=PASSIVE, and on a CPU
    with AVX-512 OPENBLAS_CORETYPE=SkylakeX (OpenBLAS 0.3.21 misdetects such
    CPUs; on a CPU without AVX-512 the SkylakeX kernels stop with an illegal
    instruction, and OpenBLAS's own detection is right)."""
    env = {"OMP_WAIT_POLICY": "PASSIVE"}
    if has_avx512():
        env["OPENBLAS_CORETYPE"] = "SkylakeX"
    return env


def warn_env():
    """Warn on stderr when the BLAS environment is unset or different."""
    req = required_env()
    bad = ["%s=%s" % (k, os.environ[k]) if k in os.environ else k + " unset"
           for k, v in req.items() if os.environ.get(k) != v]
    if os.environ.get("OPENBLAS_CORETYPE") == "SkylakeX" and not has_avx512():
        bad.append("OPENBLAS_CORETYPE=SkylakeX on a CPU without AVX-512 "
                   "(OpenBLAS will stop with an illegal instruction)")
    if bad:
        env = " ".join("%s=%s" % kv for kv in req.items())
        print("torch_ref.py: warning: %s; OpenBLAS may pick the wrong kernels "
              "for this CPU and run several times slower. Run as: %s "
              "/usr/bin/python3 %s" % (", ".join(bad), env, " ".join(sys.argv)),
              file=sys.stderr)


def blas_info():
    """Describe the BLAS library torch loaded, from /proc/self/maps: the
    OpenBLAS configuration and core type, or the library's path."""
    try:
        with open("/proc/self/maps") as f:
            paths = sorted({line.split()[-1] for line in f
                            if "blas" in line.rsplit("/", 1)[-1]})
    except OSError:
        return "unknown"
    import ctypes
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            cfg, core = lib.openblas_get_config, lib.openblas_get_corename
        except (OSError, AttributeError):
            continue
        cfg.restype = core.restype = ctypes.c_char_p
        return "%s, core %s" % (cfg().decode(), core().decode())
    return ", ".join(paths) or "unknown"


def lookup(spec):
    """Shapes named by spec: a name, a comma-separated list or "all"."""
    names = [s["name"] for s in SHAPES]
    if spec == "all":
        return list(SHAPES)
    out = []
    for n in spec.split(","):
        n = n.strip()
        if n not in names:
            raise ValueError("unknown configuration %r (want %s or all, or a "
                             "comma-separated list)" % (n, ", ".join(names)))
        out.append(SHAPES[names.index(n)])
    return out


def train_flops(b, t, depth, d, v):
    """Training FLOPs of one step: the formula of workbench/core/flops."""
    bt = float(b) * t
    return 6 * bt * (depth * 12 * d * d + d * v) + 12 * depth * bt * t * d


def head_rows(s):
    """Positions the output head runs on: all for GPT, the expected masked
    positions for BERT (HeadRows in workbench/core/bench)."""
    if s.get("arch") == "bert":
        return int(math.floor(MASK_RATE * s["batch"] * (s["seq"] - 2) + 0.5))
    return s["batch"] * s["seq"]


def step_flops(s):
    """Training FLOPs of one step of shape s (TrainMLM for BERT)."""
    b, t, L, d, v = s["batch"], s["seq"], s["layers"], s["dim"], s["vocab"]
    if s.get("arch") == "bert":
        return (train_flops(b, t, L, d, 0)
                + 6.0 * head_rows(s) * (d * d + d * v))
    return train_flops(b, t, L, d, v)


def num_params(s):
    """Parameters, counting the tied LM head once (as the engine does)."""
    d = s["dim"]
    if s.get("arch") == "bert":
        return ((s["vocab"] + s["seq"] + 2) * d + 2 * d
                + s["layers"] * (12 * d * d + 13 * d) + d * d + 3 * d
                + s["vocab"])
    return ((s["vocab"] + s["seq"]) * d + s["layers"] * (12 * d * d + 13 * d)
            + 2 * d)


def default_steps(s):
    """Warmup and timed steps: as DefaultSteps in workbench/core/bench."""
    f = step_flops(s)
    steps = min(max(int(math.floor(2e12 / f + 0.5)), 3), 20)
    return (1 if f > 5e11 else 2), steps


def peak_rss_mb():
    """Peak resident set size in MiB (VmHWM, else getrusage)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return float(line.split()[1]) / 1024
    except OSError:
        pass
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1 << 20) if sys.platform == "darwin" else rss / 1024


def reset_peak_rss():
    """Reset the peak RSS to the current RSS where Linux allows it."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def adamw(torch, model):
    """AdamW as the engine's: lr 1e-3, weight decay 0.01 on matrices and
    embeddings, none on biases and LayerNorm."""
    params = list(model.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3, betas=(0.9, 0.999), eps=1e-8)


def build(torch, s, seed):
    """Model and optimizer of shape s, initialised as GPT-2."""
    nn = torch.nn
    F = torch.nn.functional
    d, h, L = s["dim"], s["heads"], s["layers"]

    class Conv1D(nn.Module):
        def __init__(self, n_in, n_out, std):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(n_in, n_out).normal_(0, std))
            self.bias = nn.Parameter(torch.zeros(n_out))

        def forward(self, x):
            shape = x.shape[:-1] + (self.weight.shape[1],)
            y = torch.addmm(self.bias, x.reshape(-1, x.shape[-1]), self.weight)
            return y.view(shape)

    proj_std = 0.02 / math.sqrt(2 * L)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d, eps=1e-5)
            self.c_attn = Conv1D(d, 3 * d, 0.02)
            self.attn_proj = Conv1D(d, d, proj_std)
            self.ln_2 = nn.LayerNorm(d, eps=1e-5)
            self.c_fc = Conv1D(d, 4 * d, 0.02)
            self.mlp_proj = Conv1D(4 * d, d, proj_std)

        def forward(self, x, mask):
            B, T, _ = x.shape
            hs = d // h
            q, k, v = self.c_attn(self.ln_1(x)).split(d, dim=2)
            q = q.view(B, T, h, hs).transpose(1, 2)
            k = k.view(B, T, h, hs).transpose(1, 2)
            v = v.view(B, T, h, hs).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
            att = att.masked_fill(mask[:T, :T], float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, d)
            x = x + self.attn_proj(y)
            m = F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")
            return x + self.mlp_proj(m)

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Parameter(torch.empty(s["vocab"], d).normal_(0, 0.02))
            self.wpe = nn.Parameter(torch.empty(s["seq"], d).normal_(0, 0.02))
            self.h = nn.ModuleList([Block() for _ in range(L)])
            self.ln_f = nn.LayerNorm(d, eps=1e-5)
            mask = torch.ones(s["seq"], s["seq"], dtype=torch.bool).triu(1)
            self.register_buffer("mask", mask, persistent=False)

        def forward(self, tokens, targets):
            T = tokens.shape[1]
            x = F.embedding(tokens, self.wte) + self.wpe[:T]
            for blk in self.h:
                x = blk(x, self.mask)
            x = self.ln_f(x)
            logits = F.linear(x, self.wte)  # tied LM head
            return F.cross_entropy(logits.view(-1, logits.shape[-1]),
                                   targets.view(-1))

    torch.manual_seed(seed)
    model = GPT()
    return model, adamw(torch, model)


def build_bert(torch, s, seed):
    """BERT of shape s as the engine implements it (Hugging Face
    BertForMaskedLM semantics: post-LN, exact GELU, bidirectional attention,
    nn.Linear [out, in] weights, MLM head tied to the word embeddings), with
    the head run on the masked positions only, as the engine does."""
    nn = torch.nn
    F = torch.nn.functional
    d, h, L, V = s["dim"], s["heads"], s["layers"], s["vocab"]

    def linear(n_in, n_out):
        m = nn.Linear(n_in, n_out)
        nn.init.normal_(m.weight, 0, 0.02)
        nn.init.zeros_(m.bias)
        return m

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = linear(d, 3 * d)
            self.attn_out = linear(d, d)
            self.ln_1 = nn.LayerNorm(d, eps=1e-12)
            self.fc = linear(d, 4 * d)
            self.fc_out = linear(4 * d, d)
            self.ln_2 = nn.LayerNorm(d, eps=1e-12)

        def forward(self, x):
            B, T, _ = x.shape
            hs = d // h
            q, k, v = self.qkv(x).split(d, dim=2)
            q = q.view(B, T, h, hs).transpose(1, 2)
            k = k.view(B, T, h, hs).transpose(1, 2)
            v = v.view(B, T, h, hs).transpose(1, 2)
            att = ((q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, d)
            x = self.ln_1(x + self.attn_out(y))
            return self.ln_2(x + self.fc_out(F.gelu(self.fc(x))))

    class Bert(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Parameter(torch.empty(V, d).normal_(0, 0.02))
            self.wpe = nn.Parameter(torch.empty(s["seq"], d).normal_(0, 0.02))
            self.wtt = nn.Parameter(torch.empty(2, d).normal_(0, 0.02))
            self.ln_e = nn.LayerNorm(d, eps=1e-12)
            self.layers = nn.ModuleList([Layer() for _ in range(L)])
            self.transform = linear(d, d)
            self.ln_h = nn.LayerNorm(d, eps=1e-12)
            self.dec_bias = nn.Parameter(torch.zeros(V))

        def forward(self, tokens, labels):
            T = tokens.shape[1]
            x = self.ln_e(F.embedding(tokens, self.wte) + self.wtt[0] + self.wpe[:T])
            for blk in self.layers:
                x = blk(x)
            sel = labels.view(-1) >= 0
            hsel = x.reshape(-1, d)[sel]
            hsel = self.ln_h(F.gelu(self.transform(hsel)))
            logits = F.linear(hsel, self.wte, self.dec_bias)
            return F.cross_entropy(logits, labels.view(-1)[sel])

    torch.manual_seed(seed)
    model = Bert()
    return model, adamw(torch, model)


def mlm_batch(torch, B, T, gen):
    """Random byte sequences [CLS] ... [SEP], 15% of the inner positions
    selected: 80% [MASK], 10% a random byte, 10% kept; labels -100 elsewhere."""
    x = torch.randint(0, 256, (B, T), generator=gen)
    x[:, 0], x[:, -1] = BYTE_CLS, BYTE_SEP
    labels = torch.full((B, T), -100, dtype=torch.long)
    pick = torch.rand((B, T), generator=gen) < MASK_RATE
    pick[:, 0] = pick[:, -1] = False
    labels[pick] = x[pick]
    u = torch.rand((B, T), generator=gen)
    x[pick & (u < 0.8)] = BYTE_MASK
    rnd = pick & (u >= 0.8) & (u < 0.9)
    x[rnd] = torch.randint(0, 256, (int(rnd.sum()),), generator=gen)
    return x, labels


def run(torch, s, threads, warmup, steps, seed, log):
    gc.collect()
    reset_peak_rss()
    dw, ds = default_steps(s)
    warmup = dw if warmup == 0 else max(warmup, 0)
    steps = steps or ds
    bert = s.get("arch") == "bert"
    model, opt = (build_bert if bert else build)(torch, s, seed)
    params = list(model.parameters())
    gen = torch.Generator().manual_seed(seed + 1)
    B, T, V = s["batch"], s["seq"], s["vocab"]

    def step():
        if bert:
            x, y = mlm_batch(torch, B, T, gen)
        else:
            x = torch.randint(0, V, (B, T), generator=gen)
            y = torch.randint(0, V, (B, T), generator=gen)
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        return loss.item()

    log("%s: %d warmup and %d timed steps, %d threads, pytorch %s"
        % (s["name"], warmup, steps, threads, torch.__version__))
    for _ in range(warmup):
        step()
    times = []
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    loss = 0.0
    for _ in range(steps):
        t0 = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - t0)
    wall, cpu = time.perf_counter() - wall0, cpu_seconds() - cpu0
    med = statistics.median(times)
    tokens = B * T
    flops = step_flops(s)
    r = dict(
        config=s["name"], threads=threads, impl="pytorch/" + torch.__version__,
        layers=s["layers"], dim=s["dim"], heads=s["heads"], seq=T, batch=B,
        vocab=V, params=num_params(s), warmup=warmup, steps=steps,
        tokens_per_step=tokens, flops_per_step=flops,
        ms_per_step=med * 1e3, ms_min=min(times) * 1e3,
        ms_max=max(times) * 1e3, tokens_per_s=tokens / med,
        gflops=flops / med / 1e9, peak_rss_mb=peak_rss_mb(),
        cpus=cpu / wall if wall > 0 else 0.0, loss=loss)
    log("%s: %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s"
        % (s["name"], r["ms_per_step"], r["tokens_per_s"], r["gflops"]))
    del model, opt, params
    return r


def main(argv):
    p = argparse.ArgumentParser(
        description="PyTorch reference for `workbench bench --json`.")
    p.add_argument("--config", default="tiny",
                   help="tiny, small, gpt2-124m, gpt2bpe-tiny, bert-tiny, all, or "
                        "a comma-separated list (default tiny)")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads (0: all cores)")
    p.add_argument("--steps", type=int, default=0,
                   help="timed steps (0: as workbench bench)")
    p.add_argument("--warmup", type=int, default=0,
                   help="untimed steps first (0: as workbench bench; -1: none)")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args(argv)
    try:
        shapes = lookup(a.config)
    except ValueError as e:
        p.error("--config: %s" % e)
    if a.threads < 0 or a.steps < 0 or a.warmup < -1:
        p.error("--threads and --steps must not be negative, "
                "--warmup not below -1")
    warn_env()

    import torch  # after the environment check: BLAS reads it at load

    blas = blas_info()
    if not blas.startswith("OpenBLAS"):
        print("torch_ref.py: warning: torch uses %s, not OpenBLAS; on Debian "
              "install libopenblas0-openmp, or the numbers are those of a "
              "reference BLAS" % blas, file=sys.stderr)
    threads = a.threads
    if threads == 0:
        affinity = getattr(os, "sched_getaffinity", None)
        threads = len(affinity(0)) if affinity else (os.cpu_count() or 1)
    torch.set_num_threads(threads)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    for s in shapes:
        r = run(torch, s, threads, a.warmup, a.steps, a.seed, log)
        r["blas"] = blas
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
