"""A real speculative-decoding loop on a GGUF model and a draft cut from it, writing the engine's trace for
`multidraft audit` (Experiments/export/trace_writer.py). Correct, or with a bug class re-created on purpose.

    python3 Experiments/export/speculative_trace.py --steps 500 --gamma 3 --output trace.jsonl [--bug NAME]
    multidraft audit --trace trace.jsonl --summary verdict.csv

Each step drafts one chain of --gamma tokens from the draft (numpy forward pass of gguf_llama.py), scores the chain
with the target in one call, verifies it, and logs drafts, q, p and the emitted tokens (top-k rows with --top-k).
Contexts: the chat prompts of export_gguf.py, continued until --tokens. Verifiers (--verifier):
- `token` (default): speculative sampling token by token: accept x with min(1, p(x)/q(x)), else a token from
  norm((p - q)_+); after a fully accepted chain one more token from p.
- `block`: block verification of the chain (Sun et al. 2024, arXiv 2403.10444, as reconstructed in the toolkit's
  BlockVerification): w_i = min(1, w_{i-1} p(x_i)/q(x_i)), r_i = sum_y (w_i p_i(y) - q_i(y))_+,
  h_i = r_i / (r_i + 1 - w_i) (i < gamma), h_gamma = w_gamma; tau = the largest i with a Bernoulli(h_i) success;
  emit x_1..x_tau, then a token from p after the chain (tau = gamma) or from norm((w_tau p_tau - q_tau)_+).
Bugs (--bug): `temperature` drafts at T = 1.2 but reports and verifies with q at T = 1; `topk` drafts from the top
--bug-top (10) tokens of q but reports and verifies with the full q; `accept-by-p` accepts x with probability p(x)
and resamples from p (a hypothetical bug class); `bf16` drafts from the softmax of the draft logits rounded to
bfloat16 but reports the float32 q (DeepSpec #31); `block-tokenwise` (with --verifier block; vllm-ascend #7807 as
its design notes describe the faulty code) accepts the longest prefix i with prod_{j<=i} min(1, p/q) >= prod_{j<=i} u_j
and corrects from the token-wise residual norm((p_tau - q_tau)_+) instead of block verification's.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_gguf import PROMPTS, ExportError, Progress, chat_ids, default_model_path, softmax  # noqa: E402
from gguf_llama import Decoder, GGUFModel, Tokenizer, make_draft  # noqa: E402
from trace_writer import TraceWriter  # noqa: E402


def choose(probs, rng):
    c = np.cumsum(probs)
    return int(min(np.searchsorted(c, rng.random() * c[-1], side="right"), len(probs) - 1))


def bfloat16(x):
    """Round float32 values to bfloat16 (8 significant bits, round to nearest even), kept as float32."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    return rounded.view(np.float32)


def verify_token(chain, p_laws, q_laws, rng, bug):
    emitted = []
    for j, x in enumerate(chain):
        p, q = p_laws[j], q_laws[j]
        accept = p[x] if bug == "accept-by-p" else min(1.0, p[x] / q[x])
        if rng.random() < accept:
            emitted.append(x)
            continue
        residual = p if bug == "accept-by-p" else np.maximum(p - q, 0.0)
        emitted.append(choose(residual / residual.sum(), rng))
        return emitted
    emitted.append(choose(p_laws[-1], rng))
    return emitted


def verify_block(chain, p_laws, q_laws, rng, bug):
    gamma = len(chain)
    if bug == "block-tokenwise":
        pi, u, tau = 1.0, 1.0, 0
        for j, x in enumerate(chain):
            pi *= min(1.0, p_laws[j][x] / q_laws[j][x])
            u *= rng.random()
            if pi >= u:
                tau = j + 1
        if tau == gamma:
            return list(chain) + [choose(p_laws[gamma], rng)]
        residual = np.maximum(p_laws[tau] - q_laws[tau], 0.0)
        return list(chain[:tau]) + [choose(residual / residual.sum() if residual.sum() > 0 else p_laws[tau], rng)]
    w = [1.0]
    for j, x in enumerate(chain):
        w.append(min(1.0, w[-1] * p_laws[j][x] / q_laws[j][x]))
    tau = 0
    for i in range(gamma, 0, -1):
        if i == gamma:
            h = w[gamma]
        else:
            r = float(np.maximum(w[i] * p_laws[i] - q_laws[i], 0.0).sum())
            h = r / (r + 1.0 - w[i]) if r + 1.0 - w[i] > 0 else 1.0
        if rng.random() < h:
            tau = i
            break
    if tau == gamma:
        return list(chain) + [choose(p_laws[gamma], rng)]
    residual = np.maximum(w[tau] * p_laws[tau] - q_laws[tau], 0.0)
    return list(chain[:tau]) + [choose(residual / residual.sum() if residual.sum() > 0 else p_laws[tau], rng)]


def run(args):
    model = GGUFModel(args.model or default_model_path())
    tok = Tokenizer(model)
    target, draft = Decoder(model, "target"), make_draft(model, args.draft)
    rng = np.random.default_rng(args.seed)
    progress = Progress("speculative steps", args.steps, args.quiet)
    steps = 0
    with TraceWriter(args.output, model.vocab_size, law="single", top_k=args.top_k) as trace:
        prompt = 0
        while steps < args.steps:
            ids = chat_ids(tok, PROMPTS[prompt % len(PROMPTS)])
            prompt += 1
            t_cache, d_cache = target.new_cache(), draft.new_cache()
            t_next = target.forward(ids, t_cache)[-1]
            d_next = draft.forward(ids, d_cache)[-1]
            produced = 0
            while produced < args.tokens and steps < args.steps:
                # draft a chain of gamma tokens
                dc = Decoder.copy_cache(d_cache)
                chain, q_laws, sampled_laws = [], [], []
                logits = d_next
                for _ in range(args.gamma):
                    q = softmax(logits)
                    sampled = q
                    if args.bug == "temperature":
                        sampled = softmax(logits, 1.2)
                    elif args.bug == "topk":
                        keep = np.argsort(-q, kind="stable")[: args.bug_top]
                        sampled = np.zeros_like(q)
                        sampled[keep] = q[keep]
                        sampled /= sampled.sum()
                    elif args.bug == "bf16":
                        sampled = softmax(bfloat16(logits))
                    x = choose(sampled, rng)
                    chain.append(x)
                    q_laws.append(q)
                    logits = draft.forward([x], dc)[-1]
                # score the chain with the target in one call
                tc = Decoder.copy_cache(t_cache)
                p_laws = [softmax(t_next)] + [softmax(row) for row in target.forward(chain, tc)]
                verify = verify_block if args.verifier == "block" else verify_token
                emitted = verify(chain, p_laws, q_laws, rng, args.bug)
                trace.step(context=f"prompt{prompt - 1}", step=steps, drafts=[chain], q=[q_laws], p=[p_laws],
                           emitted=emitted)
                # advance both models by the emitted tokens
                t_next = target.forward(emitted, t_cache)[-1]
                d_next = draft.forward(emitted, d_cache)[-1]
                produced += len(emitted)
                steps += 1
                progress.update(steps)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model")
    ap.add_argument("--draft", default="skip:12-17")
    ap.add_argument("--gamma", type=int, default=3)
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--tokens", type=int, default=64, help="tokens per prompt before the next prompt")
    ap.add_argument("--top-k", type=int, default=256)
    ap.add_argument("--verifier", choices=["token", "block"], default="token")
    ap.add_argument("--bug", choices=["temperature", "topk", "accept-by-p", "bf16", "block-tokenwise"])
    ap.add_argument("--bug-top", type=int, default=10, help="tokens kept by --bug topk")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    if args.gamma < 1 or args.steps < 1 or args.tokens < 1 or args.bug_top < 1:
        print("error: --gamma, --steps, --tokens and --bug-top must be at least 1", file=sys.stderr)
        return 2
    if (args.bug == "block-tokenwise" and args.verifier != "block") or (args.bug == "accept-by-p" and args.verifier != "token"):
        print("error: --bug block-tokenwise needs --verifier block, and accept-by-p needs --verifier token", file=sys.stderr)
        return 2
    try:
        run(args)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
