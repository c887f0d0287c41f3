"""A real speculative-decoding loop on a GGUF model and a draft cut from it, writing the engine's trace for
`multidraft audit` (Experiments/export/trace_writer.py). Correct, or with a bug class re-created on purpose.

    python3 Experiments/export/speculative_trace.py --steps 500 --gamma 3 --output trace.jsonl [--bug NAME]
    multidraft audit --trace trace.jsonl --summary verdict.csv

Each step drafts one chain of --gamma tokens from the draft (numpy forward pass of gguf_llama.py), scores the chain
with the target in one call, verifies it token by token (speculative sampling: accept x with min(1, p(x)/q(x)), else
a token from norm((p - q)_+); after a fully accepted chain one more token from p), and logs drafts, q, p and the
emitted tokens (top-k rows with --top-k). Contexts: the chat prompts of export_gguf.py, continued until --tokens.
Bugs (--bug): `temperature` drafts at T = 1.2 but reports and verifies with q at T = 1; `topk` drafts from the top
--bug-top (10) tokens of q but reports and verifies with the full q; `accept-by-p` accepts x with probability p(x) and resamples from p (a hypothetical bug class).
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
                    x = choose(sampled, rng)
                    chain.append(x)
                    q_laws.append(q)
                    logits = draft.forward([x], dc)[-1]
                # score the chain with the target in one call
                tc = Decoder.copy_cache(t_cache)
                p_laws = [softmax(t_next)] + [softmax(row) for row in target.forward(chain, tc)]
                emitted = []
                for j, x in enumerate(chain):
                    p, q = p_laws[j], q_laws[j]
                    accept = p[x] if args.bug == "accept-by-p" else min(1.0, p[x] / q[x])
                    if rng.random() < accept:
                        emitted.append(x)
                        continue
                    residual = p if args.bug == "accept-by-p" else np.maximum(p - q, 0.0)
                    emitted.append(choose(residual / residual.sum(), rng))
                    break
                else:
                    emitted.append(choose(p_laws[-1], rng))
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
    ap.add_argument("--bug", choices=["temperature", "topk", "accept-by-p"])
    ap.add_argument("--bug-top", type=int, default=10, help="tokens kept by --bug topk")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--output", required=True)
    args = ap.parse_args(argv)
    if args.gamma < 1 or args.steps < 1 or args.tokens < 1 or args.bug_top < 1:
        print("error: --gamma, --steps, --tokens and --bug-top must be at least 1", file=sys.stderr)
        return 2
    try:
        run(args)
    except ExportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
