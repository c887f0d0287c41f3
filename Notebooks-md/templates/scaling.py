"""Template of the notebook scaling.md: its prose, and how its tables, figures and statements are read
from scaling.csv (every number in the page comes from the table at render time)."""
from notebooklib import *  # noqa: F401,F403 (helpers, svgplot and the standard-library modules they use)


@notebook("scaling.csv")
def scaling(rows, page):
    page.add("""# Scaling of the optimal-acceptance computations

**Question.** How fast can the best possible acceptance alpha* = 1 + min_H [p(H) − Q(H)] be computed at real
vocabulary sizes, and does the fast dual route agree with the optimal-transport LP where both can run?

**Command.** `swift run -c release scaling --quick` (part of `swift run -c release multidraft-experiments --quick`).

**Set-up.** LLM-style synthetic pairs: Zipf-like target logits −1.1·log(1 + rank) + N(0, 1) over a random
permutation of the vocabulary, draft logits = target logits + N(0, 1), both softmaxed at temperature T. The dual
route is the prefix scan of the p/q order (iid: Q = q(H)ⁿ; without replacement: exponential-race integral) or the
closed form (greedy). `elapsed_ms` is the median of several repetitions, release build, 2 cores.""")
    dual = [r for r in rows if r["method"] == "dual" and r["vocab"] >= 1000]
    lp = [r for r in rows if r["method"] == "lp"]
    vocabs = sorted({r["vocab"] for r in dual})
    ns = sorted({r["drafts"] for r in dual})
    temps = sorted({r["temperature"] for r in dual})
    t_ref = 1.0 if 1.0 in temps else temps[0]
    n_ref = 8 if 8 in ns else ns[-1]
    laws = ["iid", "without-replacement", "greedy"]
    series = []
    for law in laws:
        pts = [(r["vocab"], r["elapsed_ms"]) for r in dual if r["law"] == law and r["drafts"] == n_ref and r["temperature"] == t_ref]
        series.append((law, sorted(pts), "line"))
    page.figure("time", f"Median time per computation against V (n = {n_ref}, T = {fmt(t_ref)})", series=series,
                title=f"dual route, n = {n_ref}, T = {fmt(t_ref)}", xlabel="vocabulary size V", ylabel="elapsed ms",
                xlog=True, ylog=True)
    vmax = vocabs[-1]
    big = [r for r in dual if r["vocab"] == vmax]
    pivot = []
    for law in laws:
        for t in temps:
            row = {"law": law, "T": t}
            for n in ns:
                m = [r for r in big if r["law"] == law and r["temperature"] == t and r["drafts"] == n]
                if m:
                    row[f"a{n}"] = m[0]["alpha"]
                    row[f"ms{n}"] = m[0]["elapsed_ms"]
            pivot.append(row)
    page.add(f"### alpha* at V = {vmax}\n\n" + table(pivot, ["law", "T"] + [f"a{n}" for n in ns],
                                                      ["law", "T"] + [f"n = {n}" for n in ns]))
    page.add(f"### Median milliseconds at V = {vmax}\n\n" + table(pivot, ["law", "T"] + [f"ms{n}" for n in ns],
                                                                 ["law", "T"] + [f"n = {n}" for n in ns], digits=3))
    series = []
    for law in laws:
        for t in temps:
            pts = [(r["drafts"], r["alpha"]) for r in big if r["law"] == law and r["temperature"] == t]
            series.append((f"{law}, T={fmt(t)}", sorted(pts), "line"))
    page.figure("alpha", f"alpha* against the number of drafts at V = {vmax}", series=series,
                title=f"alpha* at V = {vmax}", xlabel="drafts n", ylabel="alpha*", xlog=True)
    # LP against dual
    pairs = []
    for r in lp:
        d = [x for x in rows if x["method"] == "dual" and x["vocab"] == r["vocab"] and x["drafts"] == r["drafts"]
             and x["law"] == r["law"] and x["temperature"] == r["temperature"]]
        if d:
            pairs.append({"vocab": r["vocab"], "drafts": r["drafts"], "law": r["law"], "alpha_lp": r["alpha"],
                          "alpha_dual": d[0]["alpha"], "diff": abs(r["alpha"] - d[0]["alpha"]),
                          "lp_variables": r["lp_variables"], "lp_ms": r["elapsed_ms"], "dual_ms": d[0]["elapsed_ms"]})
    page.add("### LP (GLPK) against the dual route at small V\n\n" +
             table(pairs, ["vocab", "drafts", "law", "alpha_lp", "alpha_dual", "diff", "lp_variables", "lp_ms", "dual_ms"],
                   digits=10))
    worst = max((p["diff"] for p in pairs), default=float("nan"))
    mono_ok = mono_total = 0
    for law in laws:
        for t in temps:
            seq = [r["alpha"] for r in sorted((r for r in big if r["law"] == law and r["temperature"] == t), key=lambda r: r["drafts"])]
            mono_total += 1
            mono_ok += all(b >= a - 1e-12 for a, b in zip(seq, seq[1:]))
    cells = {}
    for r in big:
        cells.setdefault((r["drafts"], r["temperature"]), {})[r["law"]] = r["alpha"]
    wor_total = len(cells)
    wor_ok = sum(1 for c in cells.values() if c["without-replacement"] >= c["iid"] - 1e-10)
    greedy_above = sum(1 for c in cells.values() if c["greedy"] > c["iid"] + 1e-12)
    slow = {law: max((r["elapsed_ms"] for r in big if r["law"] == law), default=float("nan")) for law in laws}
    slopes = []
    for law in laws:
        pts = sorted((r["vocab"], r["elapsed_ms"]) for r in dual if r["law"] == law and r["drafts"] == n_ref and r["temperature"] == t_ref)
        if len(pts) >= 2 and pts[0][1] > 0:
            slopes.append(f"{law} {math.log(pts[-1][1] / pts[0][1]) / math.log(pts[-1][0] / pts[0][0]):.2f}")
    page.add(f"""### What the numbers say

- The LP and the dual route agree to {fmt(worst, 3)} at every small instance (GLPK's feasibility tolerance is about
  1e-9), so the dual route computes the same alpha* as the transport LP.
- At V = {vmax} the slowest dual computation took {fmt(slow['iid'], 3)} ms (iid), {fmt(slow['without-replacement'], 3)} ms
  (without replacement) and {fmt(slow['greedy'], 3)} ms (greedy) over all n and T in the sweep, while the LP needs
  Σ_m≤n m·C(V, m) variables (column `lp_variables`; {fmt(max((p['lp_variables'] for p in pairs), default=0))} at the largest LP here).
- Log-log slope of time against V (n = {n_ref}, T = {fmt(t_ref)}): {', '.join(slopes)} — close to linear, as the
  O(V) radix sort and the O(V·G·n) race predict.
- alpha* is non-decreasing in n in {mono_ok} of {mono_total} (law, T) sequences at V = {vmax} (proven), and
  without replacement ≥ iid in {wor_ok} of {wor_total} (n, T) cells (proven: Q_wor ≤ Q_iid). Greedy drafts are above
  iid in {greedy_above} of {wor_total} cells: there is no general order between greedy and the other laws.
- Published comparison: Hu et al. (2025) report alpha* of 86.9% (iid, OPT pair), 76.5% (without replacement,
  LLaMA pair) and 72.6% (greedy, EAGLE) on real model distributions [unverified, secondary sources]; synthetic
  pairs cannot reproduce those numbers, only the algorithms.""")
