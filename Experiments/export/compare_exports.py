"""Compare two exports of export_gguf.py (e.g. a regeneration against the shipped data): python3 compare_exports.py A B.

Prints one line per file with the largest differences and exits 0 when the exports agree: the same settings, the
same rows, contexts and drafted tokens, and every stored number within --tolerance (default 1e-4 absolute; float16
logits within one float16 step of their magnitude, reported scaled so that one step reads as the tolerance; float32
matrix products are not bit-reproducible across BLAS builds and CPUs, so a regeneration elsewhere may differ in the
last bits, and a sampled token can change only where two cumulative sums tie to that precision).
"""
import argparse
import csv
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_export import read_safetensors  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args()
    ok = True
    meta = [json.load(open(os.path.join(d, "meta.json"))) for d in (args.a, args.b)]
    same_settings = meta[0]["settings"] == meta[1]["settings"]
    print(f"settings: {'same' if same_settings else 'DIFFERENT'}")
    ok &= same_settings
    rows = []
    for d in (args.a, args.b):
        with open(os.path.join(d, "positions.csv")) as handle:
            rows.append(list(csv.DictReader(handle)))
    keys = ["context_id", "source", "prompt_id", "temperature", "position", "token"]
    same_rows = len(rows[0]) == len(rows[1]) and all(
        all(x[k] == y[k] for k in keys) for x, y in zip(*rows))
    logprob = max((abs(float(x["target_logprob"]) - float(y["target_logprob"])) for x, y in zip(*rows)), default=0.0)
    print(f"positions.csv: {len(rows[0])} vs {len(rows[1])} rows, contexts and tokens {'identical' if same_rows else 'DIFFER'}, "
          f"largest target_logprob difference {logprob:.2e}")
    ok &= same_rows and logprob <= args.tolerance
    only_b = sorted(set(f for f in os.listdir(args.b) if f.endswith(".safetensors")) -
                    set(f for f in os.listdir(args.a) if f.endswith(".safetensors")))
    for name in only_b:
        print(f"{name}: missing in {args.a}")
        ok = False
    for name in sorted(f for f in os.listdir(args.a) if f.endswith(".safetensors")):
        ta, _ = read_safetensors(os.path.join(args.a, name))
        path_b = os.path.join(args.b, name)
        if not os.path.exists(path_b):
            print(f"{name}: missing in {args.b}")
            ok = False
            continue
        tb, _ = read_safetensors(path_b)
        if sorted(ta) != sorted(tb):
            print(f"{name}: different tensors")
            ok = False
            continue
        worst, worst_name, int_same = 0.0, "", True
        for key in ta:
            if ta[key].shape != tb[key].shape:
                print(f"{name}: {key} has shapes {ta[key].shape} and {tb[key].shape}")
                ok = int_same = False
                continue
            if ta[key].dtype.kind in "iu":
                # top-k indices may swap between tokens of (nearly) equal probability; drafted tokens must agree
                if key.endswith("indices"):
                    continue
                int_same &= bool(np.array_equal(ta[key], tb[key]))
            else:
                a64, b64 = ta[key].astype(np.float64), tb[key].astype(np.float64)
                # float16 tensors: differences are measured in units of one float16 step at the larger magnitude
                scale = np.maximum(np.spacing(np.maximum(np.abs(ta[key]), np.abs(tb[key]))).astype(np.float64),
                                   args.tolerance) if ta[key].dtype == np.float16 else args.tolerance
                diff = float(np.max(np.abs(a64 - b64) / scale, initial=0.0)) * args.tolerance
                if diff > worst:
                    worst, worst_name = diff, key
        tolerance = args.tolerance
        print(f"{name}: integer tensors {'identical' if int_same else 'DIFFER'}, largest difference {worst:.2e}"
              f"{' (' + worst_name + ')' if worst_name else ''}")
        ok &= int_same and worst <= tolerance
    print("AGREE" if ok else "DISAGREE")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
