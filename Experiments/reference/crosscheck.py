"""Cross-check of the toolkit against the independent numpy/scipy reference oracles in the folder given as
the first argument (the project's theory folder, when it is beside the clone; CI skips this check otherwise).

On random instances (small V, zero entries included) it compares, through the `multidraft` command line:
  - alpha* of the iid, without-replacement and greedy laws (`bound --method lp` and `--method dual`) with the oracle's
    brute-force subset minimum over its own explicit joint laws;
  - the exact acceptance of rrs, kseq, rrs-without-replacement, greedy and spechub (`simulate ... exact_acceptance`)
    with the oracle's closed forms / recursions;
  - the optimal selection law r* (`selection-law`) with optimal_selection_oracle.py's hull construction, and the
    optimal verifier's exact acceptance (`simulate --verifier optimal`, iid and without replacement) with alpha*;
  - the block LP L*(K, gamma) (`block-bound`, antichain form with cutting planes) with sequence_level_oracle.py's
    dense block LP (HiGHS), context-free and Markov, the LP verifier's exact value (`--verifier block-lp`) with the
    same LP, and block verification (`block-efficiency --verifier block`, and `select-block` with one chain)
    with the oracle's enumeration.
Usage: python3 crosscheck.py THEORY_REFERENCE_DIR MULTIDRAFT_BINARY [INSTANCES]
Prints one line per mismatch and a closing 'N passed, M failed' line; exit status 1 on any mismatch."""
import subprocess
import sys

import numpy as np

sys.path.insert(0, sys.argv[1])
import optimal_acceptance_oracle as oracle  # noqa: E402
import optimal_selection_oracle as selection_oracle  # noqa: E402
import sequence_level_oracle as sequence_oracle  # noqa: E402

binary = sys.argv[2]
instances = int(sys.argv[3]) if len(sys.argv) > 3 else 25


def run(args):
    out = subprocess.run([binary] + args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {out.stderr.strip()}")
    lines = out.stdout.strip().split("\n")
    return dict(zip(lines[0].split(","), lines[1].split(",")))


def vec(x):
    return ",".join(repr(float(v)) for v in x)


rng = np.random.default_rng(20251122)
passed, failed = 0, 0


def check(label, ours, theirs, tolerance):
    global passed, failed
    if abs(ours - theirs) <= tolerance:
        passed += 1
    else:
        failed += 1
        print(f"MISMATCH {label}: multidraft {ours!r} vs oracle {theirs!r}")


for k in range(instances):
    v = int(rng.integers(3, 7))
    n = int(rng.integers(1, 4))
    p = rng.dirichlet(np.full(v, 0.6))
    q = rng.dirichlet(np.full(v, 0.6))
    if k % 3 == 0:
        q[int(rng.integers(0, v))] = 0.0
        q = q / q.sum()
    p, q = list(p), list(q)
    support = sum(1 for x in q if x > 0)
    laws = [("iid", oracle.joint_iid(q, n))]
    if n <= support:
        laws += [("without-replacement", oracle.joint_wor(q, n)), ("greedy", oracle.joint_greedy(q, n))]
    for law, joint in laws:
        truth = oracle.alpha_star_all_subsets(p, lambda H, joint=joint: oracle.Q_from_joint(joint, H))
        for method, tolerance in (("lp", 1e-8), ("dual", 1e-10)):
            row = run(["bound", "--target", vec(p), "--draft", vec(q), "--drafts", str(n), "--law", law, "--method", method])
            check(f"instance {k} {law} n={n} {method}", float(row["alpha"]), truth, tolerance)
    verifiers = [("rrs", lambda: oracle.acc_rrs_iid(p, q, n)), ("kseq", lambda: oracle.acc_kseq(p, q, n))]
    if n <= support:
        verifiers += [("rrs-without-replacement", lambda: oracle.acc_rrs_wor(p, q, n)),
                      ("greedy", lambda: oracle.acc_greedy_verify(p, q, n))]
    if n == 2 and support >= 2:
        verifiers.append(("spechub", lambda: oracle.acc_spechub(p, q)))
    for name, truth in verifiers:
        row = run(["simulate", "--verifier", name, "--target", vec(p), "--draft", vec(q), "--drafts", str(n),
                   "--trials", "1", "--seed", "1"])
        check(f"instance {k} {name} n={n}", float(row["exact_acceptance"]), truth(), 1e-9)


def run_table(args):
    out = subprocess.run([binary] + args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {out.stderr.strip()}")
    lines = out.stdout.strip().split("\n")
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","))) for line in lines[1:]]


for k in range(instances):
    v = int(rng.integers(3, 7))
    n = int(rng.integers(1, 4))
    p = list(rng.dirichlet(np.full(v, 0.7)))
    q = list(rng.dirichlet(np.full(v, 0.7)))
    for law, tuples in (("iid", selection_oracle.tuples_iid), ("without-replacement", selection_oracle.tuples_wor)):
        if law == "without-replacement" and n > v:
            continue
        T = list(tuples(q, n))
        truth = selection_oracle.alpha_star_bruteforce(p, T)
        r_star, _, _ = selection_oracle.optimal_selection_law(p, q, T)
        rows = run_table(["selection-law", "--target", vec(p), "--draft", vec(q), "--drafts", str(n), "--law", law])
        for x, row in enumerate(rows):
            check(f"selection {k} {law} n={n} r*[{x}]", float(row["r_star"]), float(r_star[x]), 1e-10)
        check(f"selection {k} {law} n={n} alpha", float(rows[0]["alpha"]), truth, 1e-12)
        row = run(["simulate", "--verifier", "optimal", "--law", law, "--target", vec(p), "--draft", vec(q),
                   "--drafts", str(n), "--trials", "1", "--seed", "1"])
        check(f"optimal verifier {k} {law} n={n}", float(row["exact_acceptance"]), truth, 1e-9)

for k in range(max(1, instances // 3)):
    v, gamma, drafts = [(3, 2, 2), (2, 3, 2), (2, 2, 3), (3, 2, 1), (4, 1, 3)][k % 5]
    markov = k % 2 == 1
    if markov:
        P, Q = rng.dirichlet(np.full(v, 0.7), size=v), rng.dirichlet(np.full(v, 0.7), size=v)
        model = sequence_oracle.Model(P, Q, 0)
        path = f"/tmp/crosscheck-markov-{k}.txt"
        with open(path, "w") as f:
            f.write("\n".join(vec(row) for row in list(P) + list(Q)) + "\n")
        first, extra = (P[0], Q[0]), ["--model", "markov:@" + path]
    else:
        p, q = rng.dirichlet(np.ones(v)), rng.dirichlet(np.ones(v))
        model, first, extra = sequence_oracle.Model.context_free(p, q), (p, q), []
    truth = sequence_oracle.block_lp(model, gamma, drafts)[0]
    row = run(["block-bound", "--target", vec(first[0]), "--draft", vec(first[1]), "--drafts", str(drafts),
               "--length", str(gamma)] + extra)
    check(f"block LP {k} V={v} gamma={gamma} K={drafts} {'markov' if markov else 'context-free'}",
          float(row["upper"]) - 1, truth, 1e-8)
    bv = run(["block-efficiency", "--target", vec(first[0]), "--draft", vec(first[1]), "--drafts", "1",
              "--length", str(gamma), "--verifier", "block"] + extra)
    check(f"block verification {k}", float(bv["exact"]) - 1, sequence_oracle.block_verification(model, gamma)[0], 1e-12)
    lp = run(["block-efficiency", "--target", vec(first[0]), "--draft", vec(first[1]), "--drafts", str(drafts),
              "--length", str(gamma), "--verifier", "block-lp"] + extra)
    check(f"LP verifier {k}", float(lp["exact"]) - 1, truth, 1e-8)
    one = run(["block-efficiency", "--target", vec(first[0]), "--draft", vec(first[1]), "--drafts", "1",
               "--length", str(gamma), "--verifier", "select-block"] + extra)
    check(f"select-block K=1 {k}", float(one["exact"]) - 1, sequence_oracle.block_verification(model, gamma)[0], 1e-12)

print(f"crosscheck: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
