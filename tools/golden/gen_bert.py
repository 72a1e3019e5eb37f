"""Generate the BERT golden fixtures in core/model/testdata/.

Writes:
  bert_golden.safetensors         weights, tokens, labels, loss, grad.<name>
                                  (init std 0.02, plan 0,0,1)
  bert_golden_strong.safetensors  same layout, init std 0.2, plan 1,0,1
  bert_golden_adamw.safetensors   two clipped AdamW steps (plan 0,0,1) and
                                  one with plan 0,0, from bert_golden's
                                  weights

The third sequence of the batch is padded (lens 16,16,11), so the
attention mask is exercised. References are computed in float64 from the
stored float32 weights and stored as float32. A torch.autograd.gradcheck
of the float64 model runs first.

Usage: /usr/bin/python3 tools/golden/gen_bert.py [--out DIR]
"""

import argparse
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bert  # noqa: E402
import gpt  # noqa: E402  (safetensors writer)

CFG = bert.Config(num_hidden_layers=2, hidden_size=32, num_attention_heads=4,
                  max_position_embeddings=16, vocab_size=64)
B, T = 3, 16
LENS = [16, 16, 11]
PLAN, PLAN_STRONG, PLAN_UNUSED = [0, 0, 1], [1, 0, 1], [0, 0]
SEED = 0
MASK_PROB = 0.3
LR, BETAS, ADAM_EPS, WEIGHT_DECAY, MAX_NORM, LOSS_SCALE = 1e-3, (0.9, 0.999), 1e-8, 0.01, 1.0, 100.0


def plan_str(plan):
    return ",".join(str(i) for i in plan)


def make_model(std):
    m = bert.BertForMaskedLM(CFG)
    bert.init_params(m, seed=SEED, std=std)
    return m


def make_batch():
    g = torch.Generator().manual_seed(SEED + 1)
    ids = torch.randint(0, CFG.vocab_size, (B, T), generator=g)
    labels = torch.randint(0, CFG.vocab_size, (B, T), generator=g)
    pick = torch.rand((B, T), generator=g) < MASK_PROB
    mask = bert.lens_mask(LENS, T)
    ids[mask == 0] = 0
    labels[(~pick) | (mask == 0)] = bert.IGNORE
    return ids, labels, mask


def f64_copy(m32):
    m = bert.BertForMaskedLM(CFG).double()
    m.load_state_dict({k: v.double() for k, v in m32.state_dict().items()})
    return m


def f32(t):
    return t.detach().to(torch.float32).cpu().numpy()


def metadata(plan, std):
    meta = CFG.metadata()
    meta.update({
        "plan": plan_str(plan), "batch": str(B), "seq_len": str(T),
        "lens": ",".join(str(n) for n in LENS),
        "activation": "gelu (erf)",
        "labels": "original token at scored positions, -100 elsewhere "
                  "(stored as -100)",
        "loss": "mean cross-entropy (nats) over positions with label != -100",
        "reference_precision": "float64 computation from the stored float32 "
                               "weights, results rounded to float32",
        "init": "torch.manual_seed(%d); normal(0, %g) for every parameter in "
                "named_parameters order; LayerNorm weights +1" % (SEED, std),
        "torch_version": torch.__version__,
    })
    return meta


def golden(m32, ids, labels, mask, plan):
    m = f64_copy(m32)
    loss = m.loss(ids, labels, mask, plan)
    loss.backward()
    out = {n: f32(p) for n, p in m32.named_parameters()}
    out["tokens"] = ids.to(torch.int32).numpy()
    out["labels"] = labels.to(torch.int32).numpy()
    out["loss"] = np.array([loss.item()], dtype=np.float32)
    for n, p in m.named_parameters():
        out["grad." + n] = f32(p.grad) if p.grad is not None else np.zeros(tuple(p.shape), np.float32)
    return out


def param_groups(model):
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        (decay if p.dim() == 2 else no_decay).append(p)
    return [{"params": decay, "weight_decay": WEIGHT_DECAY},
            {"params": no_decay, "weight_decay": 0.0}]


def adamw_steps(m32, ids, labels, mask, plan, steps):
    m = f64_copy(m32)
    opt = torch.optim.AdamW(param_groups(m), lr=LR, betas=BETAS, eps=ADAM_EPS,
                            weight_decay=WEIGHT_DECAY)
    params = list(m.parameters())
    out = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = m.loss(ids, labels, mask, plan)
        (loss * LOSS_SCALE).backward()
        norm = torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        out.append({"loss": loss.item(), "grad_norm": norm.item(),
                    "params": {n: p.detach().clone() for n, p in m.named_parameters()},
                    "has_grad": {n: p.grad is not None for n, p in m.named_parameters()}})
    return out


def adamw(m32, ids, labels, mask):
    used = adamw_steps(m32, ids, labels, mask, PLAN, 2)
    unused = adamw_steps(m32, ids, labels, mask, PLAN_UNUSED, 1)
    for n, p in m32.named_parameters():
        if n.startswith("bert.encoder.layer.1."):
            assert not unused[0]["has_grad"][n], n
            assert torch.equal(unused[0]["params"][n], p.double()), n
    out = {
        "loss": np.array([u["loss"] for u in used], dtype=np.float32),
        "grad_norm": np.array([u["grad_norm"] for u in used], dtype=np.float32),
        "unused.loss": np.array([unused[0]["loss"]], dtype=np.float32),
        "unused.grad_norm": np.array([unused[0]["grad_norm"]], dtype=np.float32),
    }
    for prefix, res in (("step1.", used[0]), ("step2.", used[1]), ("unused.step1.", unused[0])):
        for n, _ in m32.named_parameters():
            out[prefix + n] = f32(res["params"][n])
    meta = metadata(PLAN, 0.02)
    meta.update({
        "plan_unused": plan_str(PLAN_UNUSED),
        "initial_weights": "weights, tokens and labels of bert_golden.safetensors",
        "optimizer": "torch.optim.AdamW, one state across steps",
        "lr": repr(LR), "beta1": repr(BETAS[0]), "beta2": repr(BETAS[1]),
        "eps": repr(ADAM_EPS), "weight_decay": repr(WEIGHT_DECAY),
        "weight_decay_params": "2-D tensors (linear weights and embeddings); "
                               "0 for biases and LayerNorm params",
        "loss_scale": repr(LOSS_SCALE), "max_norm": repr(MAX_NORM),
    })
    return out, meta


def gradcheck():
    """torch.autograd.gradcheck of the float64 model on a tiny shape."""
    cfg = bert.Config(2, 8, 2, 5, 11)
    m = bert.BertForMaskedLM(cfg).double()
    bert.init_params(m, seed=3, std=0.3)
    ids = torch.tensor([[1, 4, 7, 2, 9], [3, 3, 10, 0, 0]])
    labels = torch.tensor([[5, -100, 2, -100, 1], [-100, 6, 0, -100, -100]])
    mask = bert.lens_mask([5, 3], 5)
    for p in m.parameters():
        p.requires_grad_(True)
    loss = m.loss(ids, labels, mask, [1, 0, 1])
    grads = torch.autograd.grad(loss, list(m.parameters()))
    # central differences on every parameter entry
    worst = 0.0
    with torch.no_grad():
        for p, g in zip(m.parameters(), grads):
            flat, gflat = p.view(-1), g.view(-1)
            for i in range(flat.numel()):
                o = flat[i].item()
                flat[i] = o + 1e-6
                lp = m.loss(ids, labels, mask, [1, 0, 1]).item()
                flat[i] = o - 1e-6
                lm = m.loss(ids, labels, mask, [1, 0, 1]).item()
                flat[i] = o
                worst = max(worst, abs((lp - lm) / 2e-6 - gflat[i].item()))
    assert worst < 1e-7, worst
    print("finite differences of the float64 model: max |numeric - autograd| = %.2g" % worst)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "core", "model", "testdata"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    gradcheck()
    ids, labels, mask = make_batch()
    m = make_model(0.02)
    base = golden(m, ids, labels, mask, PLAN)
    gpt.save_safetensors(os.path.join(args.out, "bert_golden.safetensors"), base, metadata(PLAN, 0.02))
    strong = golden(make_model(0.2), ids, labels, mask, PLAN_STRONG)
    gpt.save_safetensors(os.path.join(args.out, "bert_golden_strong.safetensors"), strong, metadata(PLAN_STRONG, 0.2))
    t, meta = adamw(m, ids, labels, mask)
    gpt.save_safetensors(os.path.join(args.out, "bert_golden_adamw.safetensors"), t, meta)
    print("loss %.9f (std 0.02), %.9f (std 0.2); scored positions %d"
          % (base["loss"][0], strong["loss"][0], int((labels != bert.IGNORE).sum())))


if __name__ == "__main__":
    main()
