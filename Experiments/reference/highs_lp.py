"""The peer for the set-level transport LP: scipy's HiGHS on the same LP the toolkit solves.

    maximise   sum_S sum_{j in S} z(S, j)
    subject to sum_{j in S} z(S, j) <= Q_set(S)  (every draft set S),  sum_{S ni j} z(S, j) <= p(j),  z >= 0

Usage:
    python3 highs_lp.py --output FILE INSTANCE [INSTANCE ...]
    python3 highs_lp.py --output FILE --from-table results/heterogeneous_drafts.csv
where INSTANCE is LAW:N:P.npy:Q1.npy[:Q2.npy ...] (LAW = independent with one Q per draft, or iid with one Q and N
drafts). Writes one tidy CSV row per instance: item,seed,multidraft_version,law,drafts,vocab,solver,alpha,build_ms,
solve_ms,sets,variables,instance (seed and version copied from --from-table's rows; instance = the spec as the table
or the command line gives it, the key a notebook joins on).
The set law is built the same way as the toolkit's (every subset of the support of size <= n, its exact mass);
build_ms is that enumeration, solve_ms is linprog(method="highs") alone.
"""
import argparse
import csv
import itertools
import math
import os
import sys
import time

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix


def independent_set_mass(s, qs):
    """P(set(x) = s) for independent draws x_i ~ q_i: inclusion-free DP over which tokens of s are covered."""
    m = len(s)
    f = np.zeros(1 << m)
    f[0] = 1.0
    for q in qs:
        nxt = np.zeros(1 << m)
        for mask in range(1 << m):
            if f[mask] == 0:
                continue
            for j in range(m):
                nxt[mask | (1 << j)] += f[mask] * q[s[j]]
        f = nxt
    return f[-1]


def iid_set_mass(qs_of_set, n):
    """n! [t^n] prod_i (e^{q_i t} - 1): P(set of n i.i.d. draws = s), by polynomial products without cancellation."""
    poly = np.zeros(n + 1)
    poly[0] = 1.0
    for qi in qs_of_set:
        term = np.array([0.0] + [qi ** k / math.factorial(k) for k in range(1, n + 1)])
        poly = np.convolve(poly, term)[: n + 1]
    return math.factorial(n) * poly[n]


def set_law(law, n, qs):
    v = len(qs[0])
    support = [i for i in range(v) if any(q[i] > 0 for q in qs)]
    sets = []
    for size in range(1, min(n, len(support)) + 1):
        for s in itertools.combinations(support, size):
            mass = independent_set_mass(s, qs) if law == "independent" else iid_set_mass([qs[0][i] for i in s], n)
            if mass > 0:
                sets.append((s, mass))
    return sets


def solve(law, n, p, qs):
    start = time.perf_counter()
    sets = set_law(law, n, qs)
    v = len(p)
    rows, cols = [], []
    col = 0
    for k, (s, _) in enumerate(sets):
        for j in s:
            rows += [k, len(sets) + j]
            cols += [col, col]
            col += 1
    a = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(sets) + v, col))
    b = np.concatenate([np.array([m for _, m in sets]), p])
    build = time.perf_counter() - start
    start = time.perf_counter()
    res = linprog(-np.ones(col), A_ub=a, b_ub=b, bounds=(0, None), method="highs")
    solve_time = time.perf_counter() - start
    if res.status != 0:
        raise SystemExit(f"HiGHS failed on {law} n={n} V={v}: {res.message}")
    return -res.fun, 1000 * build, 1000 * solve_time, len(sets), col


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--from-table", help="take the instances from this experiment table's `instance` column "
                        "(paths relative to the table's folder)")
    parser.add_argument("instances", nargs="*")
    args = parser.parse_args()
    specs = list(args.instances)
    seed, version = "", "peer"
    from_table = set()
    if args.from_table:
        base = os.path.dirname(os.path.abspath(args.from_table))
        with open(args.from_table, newline="") as handle:
            for row in csv.DictReader(handle):
                seed, version = row.get("seed", ""), row.get("multidraft_version", "peer")
                spec = row.get("instance", "")
                # timing and timing_dirichlet rows name LP files; other rows name real positions
                if spec and row.get("kind", "timing").startswith("timing"):
                    if spec not in specs:
                        specs.append(spec)
                        from_table.add(spec)
    rows = []
    for spec in specs:
        parts = spec.split(":")
        law, n, files = parts[0], int(parts[1]), parts[2:]
        if spec in from_table:
            files = [os.path.join(base, f) for f in files]
        p = np.load(files[0]).astype(float)
        qs = [np.load(f).astype(float) for f in files[1:]]
        if law == "independent" and len(qs) != n:
            raise SystemExit(f"{spec}: independent with n = {n} needs {n} draft files")
        alpha, build, solve_ms, sets, variables = solve(law, n, p, qs)
        rows.append([len(rows), seed, version, law, n, len(p), "highs", repr(alpha), f"{build:.3f}", f"{solve_ms:.3f}", sets,
                     variables, spec])
        print(f"{law} n={n} V={len(p)}: alpha={alpha:.15f} solve {solve_ms:.1f} ms", file=sys.stderr)
    with open(args.output, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["item", "seed", "multidraft_version", "law", "drafts", "vocab", "solver", "alpha", "build_ms",
                         "solve_ms", "sets", "variables", "instance"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
