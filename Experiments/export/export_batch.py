"""Export a target and a draft model's next-token distributions over a text, for `multidraft batch`.

Both models (Hugging Face `transformers`, causal LMs sharing a tokenizer) are run teacher-forced over the text: at
every position t the target's and the draft's next-token logits given tokens[:t+1] are stored, one row per
position. The logits are stored raw (float16 by default), so that `multidraft batch --logits` applies each model's
temperature / top-k / top-p explicitly — the draft law must be the distribution the draft was actually sampled
from. With --sparse K the softmax at --temperature (and top-k/top-p) is applied here instead and only the top-K
probabilities of each row are kept, with the rest mass (`multidraft batch` then bounds alpha*).

Runs on CPU with small models (e.g. --target gpt2-medium --draft distilgpt2). Output files:
    OUTPUT/logits.safetensors            tensors "target", "draft" [positions, V] (dense), or
    OUTPUT/target_top{K}.safetensors and OUTPUT/draft_top{K}.safetensors (sparse)
    OUTPUT/meta.json                     models, text source, positions, vocabulary, processing

Usage:
    python3 export_batch.py --target MODEL --draft MODEL --text FILE [--max-positions 512] OUTPUT
        [--dtype float16|float32] [--sparse K --temperature T --top-k K --top-p P] [--device cpu]
    then: multidraft batch --target OUTPUT/logits.safetensors:target --draft OUTPUT/logits.safetensors:draft \\
              --logits --law iid --drafts 2,4,8 --verifiers rrs,kseq,optimal --output positions.csv --summary summary.csv
"""
import argparse
import json
import os
import sys

import numpy as np

from batchfiles import softmax, write_safetensors, write_sparse


def teacher_forced_logits(model, ids, device):
    """[len(ids), V] float32 logits: row t is the next-token logits after ids[:t+1] (one forward pass)."""
    import torch
    with torch.no_grad():
        out = model(torch.tensor([ids], device=device))
    return out.logits[0].float().cpu().numpy()


def process(logits, temperature=1.0, top_k=None, top_p=None):
    """Softmax at a temperature with optional top-k / top-p truncation, in float64 (rows renormalised)."""
    probs = softmax(logits, temperature)
    if top_k is not None or top_p is not None:
        order = np.argsort(-probs, axis=1, kind="stable")
        sorted_probs = np.take_along_axis(probs, order, axis=1)
        keep = np.ones_like(sorted_probs, dtype=bool)
        if top_k is not None:
            keep[:, top_k:] = False
        if top_p is not None:
            cumulative = np.cumsum(sorted_probs, axis=1)
            # keep the smallest prefix whose mass reaches top_p
            keep &= (cumulative - sorted_probs) < top_p
        mask = np.zeros_like(keep)
        np.put_along_axis(mask, order, keep, axis=1)
        probs = np.where(mask, probs, 0.0)
        probs /= probs.sum(axis=1, keepdims=True)
    return probs


def export(target, draft, ids, output, dtype="float16", sparse=None, temperature=1.0, top_k=None, top_p=None,
           device="cpu", meta=None):
    """Runs both models over `ids` and writes the batch files. `target`/`draft` are loaded causal LMs."""
    t = teacher_forced_logits(target, ids, device)
    d = teacher_forced_logits(draft, ids, device)
    v = min(t.shape[1], d.shape[1])   # some checkpoints pad the embedding; the shared tokenizer's ids are < v
    t, d = t[:, :v], d[:, :v]
    os.makedirs(output, exist_ok=True)
    if sparse:
        write_sparse(os.path.join(output, f"target_top{sparse}.safetensors"), process(t, temperature, top_k, top_p), sparse)
        write_sparse(os.path.join(output, f"draft_top{sparse}.safetensors"), process(d, temperature, top_k, top_p), sparse)
    else:
        write_safetensors(os.path.join(output, "logits.safetensors"),
                          {"target": t.astype(dtype), "draft": d.astype(dtype)},
                          {"note": "teacher-forced next-token logits; row t follows tokens[:t+1]"})
    info = dict(meta or {}, positions=int(t.shape[0]), vocab_size=int(v), dtype=dtype, sparse=sparse,
                temperature=temperature, top_k=top_k, top_p=top_p)
    with open(os.path.join(output, "meta.json"), "w") as handle:
        json.dump(info, handle, indent=2)
    return info


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", required=True)
    ap.add_argument("--draft", required=True)
    ap.add_argument("--text", required=True, help="a UTF-8 text file")
    ap.add_argument("--max-positions", type=int, default=512)
    ap.add_argument("--dtype", default="float16", choices=["float16", "float32"])
    ap.add_argument("--sparse", type=int, help="keep the top-K probabilities per row (then --temperature etc. apply here)")
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--top-k", type=int)
    ap.add_argument("--top-p", type=float)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("output")
    args = ap.parse_args()
    if not args.sparse and (args.temperature != 1.0 or args.top_k or args.top_p):
        sys.exit("error: dense exports store raw logits; give temperatures / top-k / top-p to multidraft batch")
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(args.target)
    ids = tokenizer(open(args.text, encoding="utf-8").read())["input_ids"][: args.max_positions]
    target = AutoModelForCausalLM.from_pretrained(args.target).to(args.device).eval()
    draft = AutoModelForCausalLM.from_pretrained(args.draft).to(args.device).eval()
    info = export(target, draft, ids, args.output, args.dtype, args.sparse, args.temperature, args.top_k, args.top_p,
                  args.device, meta={"target": args.target, "draft": args.draft, "text": os.path.basename(args.text)})
    print(json.dumps(info))


if __name__ == "__main__":
    main()
