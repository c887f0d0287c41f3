"""Benchmark of `multidraft batch` against one `multidraft bound` / `simulate` process per position, same machine,
same run (issue: real model distributions at dataset scale).

A synthetic LLM-like dataset (float32 probabilities, V tokens, N positions) is written; then
  batch:  one `multidraft batch` over all N positions (laws iid and without-replacement, n = 2, 4, 8, verifiers
          rrs, kseq, optimal, naive; --threads 1 and --threads 2);
  single: for the first K positions, one process per computation: `bound` per (law, n) and `simulate --trials 1`
          per (verifier, law, n) (its exact acceptance is computed at setup), on float64 .npy vectors.
Reported (CSV, one row per measurement): wall seconds per position of each route, the throughput ratio
single/batch, and the batch time against the summed compute time the single commands report themselves
(`elapsed_ms` of bound, `setup_ms` of simulate), i.e. the per-position overhead of the batch.

Usage: python3 batch_benchmark.py --bin PATH/multidraft [--positions 1000] [--vocab 32000] [--single 20]
                                  [--workdir DIR] --output FILE
"""
import argparse
import csv
import os
import subprocess
import tempfile
import time

import numpy as np

LAWS = ["iid", "without-replacement"]
DRAFTS = [2, 4, 8]
VERIFIERS = {"rrs": ["iid"], "kseq": ["iid"], "optimal": ["iid", "without-replacement"], "naive": LAWS}


def dataset(n, v, seed, folder):
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, v + 1)
    target = np.empty((n, v), dtype=np.float32)
    draft = np.empty((n, v), dtype=np.float32)
    for i in range(n):
        logits = -1.1 * np.log(ranks[rng.permutation(v)]) + rng.normal(0, 1, v)
        noisy = logits + rng.normal(0, 1, v)
        for out, x in ((target, logits), (draft, noisy)):
            e = np.exp(x - x.max())
            out[i] = e / e.sum()
    np.save(os.path.join(folder, "target.npy"), target)
    np.save(os.path.join(folder, "draft.npy"), draft)
    return target, draft


def run(arguments):
    start = time.perf_counter()
    result = subprocess.run(arguments, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, result.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--positions", type=int, default=1000)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--single", type=int, default=20)
    ap.add_argument("--workdir")
    ap.add_argument("--output", required=True)
    args = ap.parse_args()
    folder = args.workdir or tempfile.mkdtemp()
    target, draft = dataset(args.positions, args.vocab, 1, folder)
    rows = []
    common = ["batch", "--target", os.path.join(folder, "target.npy"), "--draft", os.path.join(folder, "draft.npy"),
              "--law", "iid", "--law", "without-replacement", "--drafts", ",".join(map(str, DRAFTS)),
              "--verifiers", ",".join(VERIFIERS)]
    for threads in (1, 2):
        out = os.path.join(folder, f"batch{threads}.csv")
        seconds, _ = run([args.bin] + common + ["--output", out, "--threads", str(threads)])
        rows.append(["batch", threads, args.positions, args.vocab, seconds, seconds / args.positions, ""])
        print(f"batch --threads {threads}: {seconds:.2f} s, {1000 * seconds / args.positions:.2f} ms/position", flush=True)
    single_wall, single_compute = 0.0, 0.0
    for i in range(args.single):
        p, q = os.path.join(folder, f"p{i}.npy"), os.path.join(folder, f"q{i}.npy")
        np.save(p, (target[i].astype(np.float64) / target[i].astype(np.float64).sum()))
        np.save(q, (draft[i].astype(np.float64) / draft[i].astype(np.float64).sum()))
        for law in LAWS:
            for n in DRAFTS:
                base = ["--target", "@" + p, "--draft", "@" + q, "--law", law, "--drafts", str(n)]
                seconds, stdout = run([args.bin, "bound"] + base + ["--threads", "1"])
                single_wall += seconds
                row = dict(zip(*[line.split(",") for line in stdout.strip().split("\n")]))
                single_compute += float(row["elapsed_ms"]) / 1000
                for verifier, laws in VERIFIERS.items():
                    if law not in laws:
                        continue
                    try:
                        seconds, stdout = run([args.bin, "simulate", "--verifier", verifier, "--trials", "1", "--seed", "1",
                                               "--threads", "1"] + base)
                    except subprocess.CalledProcessError:
                        continue   # refused at this size (e.g. optimal without replacement): batch skips it too
                    single_wall += seconds
                    row = dict(zip(*[line.split(",") for line in stdout.strip().split("\n")]))
                    single_compute += float(row["setup_ms"] or 0) / 1000
    per_single = single_wall / args.single
    per_compute = single_compute / args.single
    rows.append(["single_process_wall", 1, args.single, args.vocab, single_wall, per_single, ""])
    rows.append(["single_compute_sum", 1, args.single, args.vocab, single_compute, per_compute, ""])
    batch1 = rows[0][5]
    rows.append(["throughput_ratio_single_over_batch1", 1, "", args.vocab, "", "", per_single / batch1])
    rows.append(["batch1_over_summed_compute", 1, "", args.vocab, "", "", batch1 / per_compute])
    print(f"single: {1000 * per_single:.1f} ms/position wall, {1000 * per_compute:.1f} ms/position compute; "
          f"throughput ratio {per_single / batch1:.1f}x; batch/compute {batch1 / per_compute:.2f}")
    with open(args.output, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["measurement", "threads", "positions", "vocab", "seconds", "seconds_per_position", "ratio"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
