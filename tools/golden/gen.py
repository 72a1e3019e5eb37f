"""Generate the GPT-2 golden fixtures in core/model/testdata/.

Writes:
  gpt_golden.safetensors        weights, tokens, targets, loss, grad.<name>
                                (init std 0.02, plan 0,0,1)
  gpt_golden_strong.safetensors same layout with init std 0.2 and plan 1,0,1,
                                so attention is far from uniform and GELU is
                                far from linear
  gpt_golden_adamw.safetensors  clipped AdamW steps starting from the weights
                                in gpt_golden.safetensors
  hf_tiny/                      an exported byte-level model directory
                                (model.safetensors, config.json), a text
                                file and the float64 output of hf_check.py

All references are computed in float64 from float32 weights (the stored
weights are exactly the values used) and stored as float32.

Usage: /usr/bin/python3 tools/golden/gen.py [--out DIR]
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpt  # noqa: E402
import hf_check  # noqa: E402

CFG = gpt.Config(n_layer=2, n_embd=32, n_head=4, n_positions=16,
                 vocab_size=64)
B = 3
T = 16
PLAN = [0, 0, 1]
PLAN_UNUSED = [0, 0]
SEED = 0
INIT_STD = 0.02
PLAN_STRONG = [1, 0, 1]
INIT_STD_STRONG = 0.2

LR = 1e-3
BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
WEIGHT_DECAY = 0.01
MAX_NORM = 1.0
LOSS_SCALE = 100.0


def plan_str(plan):
    return ",".join(str(i) for i in plan)


def make_model(std=INIT_STD):
    """Float32 model initialised deterministically."""
    model = gpt.GPT(CFG)
    gpt.init_params(model, seed=SEED, std=std)
    return model


def make_batch():
    g = torch.Generator().manual_seed(SEED + 1)
    tokens = torch.randint(0, CFG.vocab_size, (B, T), generator=g)
    targets = torch.randint(0, CFG.vocab_size, (B, T), generator=g)
    return tokens, targets


def f64_copy(model32):
    """Float64 copy of a model with exactly the same (float32) weights."""
    m = gpt.GPT(CFG).double()
    m.load_state_dict({k: v.double() for k, v in model32.state_dict().items()})
    return m


def param_groups(model):
    """AdamW groups: decay 2-D weights and embeddings, not biases/LN."""
    decay, no_decay = [], []
    for _, p in model.named_parameters():
        (decay if p.dim() == 2 else no_decay).append(p)
    return [{"params": decay, "weight_decay": WEIGHT_DECAY},
            {"params": no_decay, "weight_decay": 0.0}]


def f32(t):
    return t.detach().to(torch.float32).cpu().numpy()


def base_metadata(plan, std=INIT_STD):
    meta = CFG.metadata()
    meta.update({
        "plan": plan_str(plan),
        "batch": str(B),
        "seq_len": str(T),
        "layer_norm_epsilon": "1e-05",
        "activation": "gelu_tanh",
        "lm_head": "tied to transformer.wte.weight, no bias",
        "loss": "mean cross-entropy (nats) over all batch*seq_len positions",
        "reference_precision": "float64 computation from the stored float32 "
                               "weights, results rounded to float32",
        "init": "torch.manual_seed(%d); normal(0, %g) for every parameter in "
                "named_parameters order; LayerNorm weights +1"
                % (SEED, std),
        "torch_version": torch.__version__,
    })
    return meta


def gen_golden(model32, tokens, targets, plan):
    m = f64_copy(model32)
    loss = m.loss(tokens, targets, plan)
    loss.backward()
    tensors = {}
    for name, p in model32.named_parameters():
        tensors[name] = f32(p)
    tensors["tokens"] = tokens.to(torch.int32).numpy()
    tensors["targets"] = targets.to(torch.int32).numpy()
    tensors["loss"] = np.array([loss.item()], dtype=np.float32)
    for name, p in m.named_parameters():
        tensors["grad." + name] = f32(p.grad)
    return tensors, loss.item()


def adamw_steps(model32, tokens, targets, plan, steps):
    """Run clipped AdamW steps in float64; return per-step results."""
    m = f64_copy(model32)
    opt = torch.optim.AdamW(param_groups(m), lr=LR, betas=BETAS,
                            eps=ADAM_EPS, weight_decay=WEIGHT_DECAY)
    params = list(m.parameters())
    out = []
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        loss = m.loss(tokens, targets, plan)
        (loss * LOSS_SCALE).backward()
        norm = torch.nn.utils.clip_grad_norm_(params, MAX_NORM)
        opt.step()
        out.append({
            "loss": loss.item(),
            "grad_norm": norm.item(),
            "params": {n: p.detach().clone() for n, p in m.named_parameters()},
            "has_grad": {n: p.grad is not None
                         for n, p in m.named_parameters()},
        })
    return out


def gen_adamw(model32, tokens, targets):
    used = adamw_steps(model32, tokens, targets, PLAN, 2)
    unused = adamw_steps(model32, tokens, targets, PLAN_UNUSED, 1)
    # A block absent from the plan must get no gradient and stay unchanged.
    for n, p in model32.named_parameters():
        if n.startswith("transformer.h.1."):
            assert not unused[0]["has_grad"][n], n
            assert torch.equal(unused[0]["params"][n], p.double()), n
    tensors = {}
    tensors["loss"] = np.array([used[0]["loss"], used[1]["loss"]],
                               dtype=np.float32)
    tensors["grad_norm"] = np.array([used[0]["grad_norm"],
                                     used[1]["grad_norm"]], dtype=np.float32)
    tensors["unused.loss"] = np.array([unused[0]["loss"]], dtype=np.float32)
    tensors["unused.grad_norm"] = np.array([unused[0]["grad_norm"]],
                                           dtype=np.float32)
    for n, _ in model32.named_parameters():
        tensors["step1." + n] = f32(used[0]["params"][n])
    for n, _ in model32.named_parameters():
        tensors["step2." + n] = f32(used[1]["params"][n])
    for n, _ in model32.named_parameters():
        tensors["unused.step1." + n] = f32(unused[0]["params"][n])
    meta = base_metadata(PLAN)
    meta.update({
        "plan_unused": plan_str(PLAN_UNUSED),
        "initial_weights": "weights, tokens and targets of "
                           "gpt_golden.safetensors",
        "optimizer": "torch.optim.AdamW (decoupled weight decay, bias "
                     "correction), one optimizer state across steps",
        "lr": repr(LR),
        "beta1": repr(BETAS[0]),
        "beta2": repr(BETAS[1]),
        "eps": repr(ADAM_EPS),
        "weight_decay": repr(WEIGHT_DECAY),
        "weight_decay_params": "2-D tensors (c_attn/c_proj/c_fc weights, "
                               "transformer.wte.weight, transformer.wpe."
                               "weight); 0 for biases and LayerNorm params",
        "loss_scale": repr(LOSS_SCALE),
        "max_norm": repr(MAX_NORM),
        "clipping": "torch.nn.utils.clip_grad_norm_: global L2 norm over "
                    "all parameters that have a gradient; if norm > max_norm"
                    " scale grads by max_norm/(norm+1e-6)",
        "step": "each step: grads of loss*loss_scale on the same batch, "
                "clip, AdamW update",
        "grad_norm": "pre-clip global grad norm of loss*loss_scale, per step",
        "loss_values": "loss (unscaled) before each step",
        "unused": "plan_unused runs one step; blocks absent from the plan "
                  "have no gradient, so AdamW skips them entirely (no "
                  "update, no weight decay, not part of the grad norm)",
    })
    return tensors, meta, used, unused


HF_CFG = gpt.Config(n_layer=2, n_embd=16, n_head=2, n_positions=16,
                    vocab_size=256)
HF_SEED = 5
HF_STD = 0.2
HF_TEXT = ("Progressive training grows a small transformer into a deeper "
           "one: blocks are duplicated, stacked and trained again.\n"
           "Bytes beyond ASCII count too \u2014 \u00e9t\u00e9, "
           "na\u00efve, \u00fcber.\n")


def gen_hf_tiny(out):
    """Write hf_tiny/: model.safetensors, config.json, text and result."""
    d = os.path.join(out, "hf_tiny")
    os.makedirs(d, exist_ok=True)
    model = gpt.GPT(HF_CFG)
    gpt.init_params(model, seed=HF_SEED, std=HF_STD)
    gpt.save_safetensors(os.path.join(d, "model.safetensors"),
                         {n: f32(p) for n, p in model.named_parameters()},
                         {"format": "pt"})
    config = {
        "architectures": ["GPT2LMHeadModel"],
        "model_type": "gpt2",
        "activation_function": "gelu_new",
        "layer_norm_epsilon": 1e-05,
        "n_layer": HF_CFG.n_layer,
        "n_embd": HF_CFG.n_embd,
        "n_head": HF_CFG.n_head,
        "n_positions": HF_CFG.n_positions,
        "n_ctx": HF_CFG.n_positions,
        "vocab_size": HF_CFG.vocab_size,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
    }
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    text = os.path.join(d, "text.txt")
    with open(text, "wb") as f:
        f.write(HF_TEXT.encode("utf-8"))
    results = {}
    for name, extra in (("expected.json", {}),
                        ("expected_max100_seq5.json",
                         {"max_bytes": 100, "seq_len": 5})):
        res = hf_check.run(d, text, dtype=torch.float64, **extra)
        with open(os.path.join(d, name), "w") as f:
            f.write(json.dumps(res) + "\n")
        results[name] = res
    return d, len(HF_TEXT.encode("utf-8")), results


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "..", "core", "model", "testdata")
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.normpath(default_out),
                    help="output directory (default: core/model/testdata)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    torch.set_num_threads(1)
    model32 = make_model()
    tokens, targets = make_batch()

    tensors, loss = gen_golden(model32, tokens, targets, PLAN)
    p1 = os.path.join(args.out, "gpt_golden.safetensors")
    gpt.save_safetensors(p1, tensors, base_metadata(PLAN))

    strong32 = make_model(INIT_STD_STRONG)
    tensors3, loss3 = gen_golden(strong32, tokens, targets, PLAN_STRONG)
    p3 = os.path.join(args.out, "gpt_golden_strong.safetensors")
    gpt.save_safetensors(p3, tensors3,
                         base_metadata(PLAN_STRONG, INIT_STD_STRONG))

    tensors2, meta2, used, unused = gen_adamw(model32, tokens, targets)
    p2 = os.path.join(args.out, "gpt_golden_adamw.safetensors")
    gpt.save_safetensors(p2, tensors2, meta2)

    print("%s: %d bytes, loss %.9f (ln V = %.9f)"
          % (p1, os.path.getsize(p1), loss, math.log(CFG.vocab_size)))
    print("%s: %d bytes, loss %.9f" % (p3, os.path.getsize(p3), loss3))
    hd, nbytes, res = gen_hf_tiny(args.out)
    print("%s: text %d bytes, %s" % (hd, nbytes, res))
    print("%s: %d bytes, grad_norm %s, unused grad_norm %.9f"
          % (p2, os.path.getsize(p2),
             ["%.9f" % u["grad_norm"] for u in used], unused[0]["grad_norm"]))


if __name__ == "__main__":
    main()
