"""Template of the notebook heterogeneous_drafts.md: its prose, and how its tables, figures and statements are read
from heterogeneous_drafts.csv (every number in the page comes from the table at render time)."""
from notebooklib import *  # noqa: F401,F403 (helpers, svgplot and the standard-library modules they use)


@notebook("heterogeneous_drafts.csv")
def heterogeneous_drafts(rows, page):
    page.add("""# alpha* for independent non-identical drafts, and every exact route's solve time

**Question.** Khisti et al. draft with one model at two temperatures. What is the best acceptance any lossless
verifier can reach with such *independent, non-identical* drafts at LLM vocabulary size, how does it compare with
identical drafts at either temperature, and how far below it are the verifiers that run? And how fast is each exact
route to alpha*?

**Command.** `swift run -c release heterogeneous-drafts --quick` (part of `bash Experiments/run-suite.sh --quick`,
which then times scipy's HiGHS on the same LPs with `Experiments/reference/highs_lp.py`).

**Set-up.** LLM-style synthetic target (Zipf-like logits, softmax at 1.0) and one draft family (target logits +
N(0, 0.8²) noise) sampled at (1.2, T₂); n = 2 independent drafts. alpha* = 1 + min_H [p(H) − q₁(H) q₂(H)] is a
submodular minimisation (<doc:Theory#Optimal-verifier>, [proven]). The toolkit first tries an **AM–GM
dual** (derived here, `ProductDualBound`): for weights c with Π c_i = 1, Π_i q_i(H) ≤ ((1/n) Σ c_i q_i(H))ⁿ, and
min_H [p(H) − m(H)ⁿ] for a measure m is attained on a prefix of the order of p/m [proven], so every c gives a
certified lower bound from one sort; c is iterated to the weights that make AM–GM tight at the best set found.
`lower` = 1 + that bound, `upper` = p(H) + 1 − Q(H) of the best set; `iterations` counts sorts. When the dual leaves
a gap (intrinsically: on ~20% of small random Dirichlet instances and 4 of 30 LLM-style pairs tried) the Fujishige–Wolfe
minimum-norm-point algorithm takes over, whose iterate is a convex combination of greedy vertices and whose
`lower` = 1 + Σ min(0, x) is the proof. For **two** drafts a certified branch and bound over t = q₁(H) runs before
it (`SubsetObjective.pairParametricMinimum`, [proven]): min F = min over t of an LP value ψ(t) (f is concave along
every coordinate of the cube, so the cube's minimum is a vertex), and for any multiplier λ the dual bound h(t, λ)
is concave in t, so each interval of t is bounded below by h at its two ends; `iterations` then counts intervals.
Otherwise, after 40 iterations of the minimum-norm point, **contraction** decides the tokens a minimiser
cannot disagree on (x_j beyond the gap; then the marginal tests at both ends of the remaining lattice of sets,
sound by submodularity [proven]) and minimises exactly over the rest (enumeration, or the minimum-norm point again
on the undecided tokens alone), so the bracket closes even where the minimum-norm point alone stalls.
`iterations` then counts the minimum-norm point's iterations on the full and the contracted ground sets. `verifier_optimal` is the verifier built on Wolfe's combination (draw an
order with the combination's weights, select the draft ranked last; 400 major iterations): its exact acceptance
is a lower bound on alpha*, and its distance to the `upper` column is what it leaves. RRS has an exact formula;
SIR and naive are Monte Carlo (`std_error`).""")
    acc = [r for r in rows if r["kind"] == "acceptance"]
    pairs = sorted({(r["vocab"], r["temperature_2"]) for r in acc})
    pivot = []
    for v, t2 in pairs:
        sel = {r["quantity"]: r for r in acc if r["vocab"] == v and r["temperature_2"] == t2}
        a = sel.get("alpha_star", {})
        row = {"V": v, "T2": t2, "lower": a.get("lower", ""), "upper": a.get("upper", ""), "gap": a.get("gap", ""),
               "iid1": sel.get("alpha_star_iid_t1", {}).get("value", ""),
               "iid2": sel.get("alpha_star_iid_t2", {}).get("value", "")}
        for name in ["optimal", "rrs", "importance", "sir", "naive"]:
            if f"verifier_{name}" in sel:
                row[name] = sel[f"verifier_{name}"]["value"]
        pivot.append(row)
    page.add("## Acceptance: Khisti et al.'s temperature pairs\n\n" + table(
        pivot, ["V", "T2", "lower", "upper", "gap", "iid1", "iid2", "optimal", "rrs", "importance", "sir", "naive"],
        ["V", "T₂", "alpha* ≥ (lower)", "alpha* ≤ (upper)", "certified gap", "alpha* iid at 1.2", "alpha* iid at T₂",
         "optimal (exact)", "RRS (exact)", "importance", "SIR (MC)", "naive (MC)"], digits=10))
    ok = all((not isinstance(r.get(k), float)) or r[k] <= r["upper"] + 1e-12
             for r in pivot for k in ["optimal", "rrs"] if isinstance(r.get("upper"), float))
    page.add(f"Every exact verifier acceptance is ≤ the certified upper value: **{'yes' if ok else 'NO'}**. "
             "With T₂ = 1.2 the drafts are identical and alpha* equals the i.i.d. value (the dual scan, exact by "
             "theorem) — a check of the minimisation.")
    real = [r for r in rows if r["kind"] == "real"]
    if real:
        out = []
        for inst in sorted({r["instance"] for r in real}, key=lambda x: int(x.rsplit("@", 1)[1])):
            sel = {r["quantity"]: r for r in real if r["instance"] == inst}
            a = sel.get("alpha_star", {})
            row = {"position": int(inst.rsplit("@", 1)[1]), "lower": a.get("lower", ""), "upper": a.get("upper", ""),
                   "gap": a.get("gap", ""), "iid1": sel.get("alpha_star_iid_t1", {}).get("value", ""),
                   "iid2": sel.get("alpha_star_iid_t2", {}).get("value", "")}
            for name in ["optimal", "rrs", "naive"]:
                if f"verifier_{name}" in sel:
                    row[name] = sel[f"verifier_{name}"]["value"]
            out.append(row)
        better = sum(1 for r in out if isinstance(r["upper"], float) and r["upper"] > max(r["iid1"], r["iid2"]) + 1e-12)
        okr = all(r.get(k, 0) <= r["upper"] + 1e-12 for r in out for k in ("optimal", "rrs") if isinstance(r.get(k), float))
        page.add("## The real heterogeneous pair\n\n"
                 "The same quantities on the shipped SmolLM2-135M-Instruct export: target at T = 1 and two *different* "
                 "drafts, one from `layerskip` (layers 12–17 skipped) and one from `rtn3` (3-bit weights), each at "
                 "T = 1, V = 49,152, at dense positions spread over the 32 (the float16 logits). `iid1` / `iid2` are "
                 "alpha* of two drafts from `layerskip` alone / `rtn3` alone. SIR is not run here (building it for two "
                 "different drafts takes minutes at this V). The notebook [real_models](real_models.md) has the same "
                 "comparison over every shipped position.\n\n" + table(
            out, ["position", "lower", "upper", "gap", "iid1", "iid2", "optimal", "rrs", "naive"],
            ["position", "alpha* ≥", "alpha* ≤", "certified gap", "alpha* iid layerskip", "alpha* iid rtn3",
             "optimal (exact)", "RRS (exact)", "naive (MC)"], digits=6) +
                 f"\n\nOne draft from each model beats two from either model alone at **{better} of {len(out)}** "
                 f"positions. Every exact verifier acceptance ≤ the certified upper value: **{'yes' if okr else 'NO'}**.")
    peer = {}
    path = os.path.join(RESULTS_DIR[0], "highs_lp.csv")
    if os.path.exists(path):
        for r in read(path):
            # Joined on the instance files (older peer tables without that column: on law, n and V).
            peer[r.get("instance") or (r["law"], r["drafts"], r["vocab"])] = r

    def with_peer(kind):
        out = []
        for r in rows:
            if r["kind"] != kind:
                continue
            h = peer.get(r["instance"]) or peer.get((r["law"], r["drafts"], r["vocab"])) if kind == "timing" else peer.get(r["instance"])
            row = dict(r)
            row["highs_ms"] = h["solve_ms"] if h else ""
            row["ratio"] = (r["elapsed_ms"] / h["solve_ms"]) if h and h["solve_ms"] > 0 else ""
            row["highs_alpha_diff"] = abs(h["alpha"] - r["value"]) if h else ""
            out.append(row)
        return out

    def speedups(out):
        """HiGHS ms / toolkit ms per route at the largest V with a peer value (> 1: the toolkit is faster)."""
        have = [r for r in out if r["highs_ms"] != "" and r["elapsed_ms"] > 0]
        if not have:
            return ""
        v = max(r["vocab"] for r in have)
        parts = [f"`{r['quantity']}` {r['highs_ms'] / r['elapsed_ms']:.3g}×" for r in have if r["vocab"] == v]
        return f"At V = {v}, HiGHS time / toolkit time: " + ", ".join(parts) + "."

    columns = ["law", "drafts", "vocab", "quantity", "value", "gap", "iterations", "elapsed_ms", "highs_ms", "ratio",
               "highs_alpha_diff"]
    headers = ["law", "n", "V", "route", "alpha*", "certified gap", "iterations", "ms", "HiGHS ms", "ratio",
               "difference from HiGHS"]
    out = with_peer("timing")
    page.add("## Solve time of every exact route against V\n\n"
             "`lp` is GLPK's interior-point method on the set-level LP, written in the set-relative variables "
             "z(S, j)/Q_set(S) (the same LP with scaled columns: in the raw variables GLPK's interior point did not "
             "converge on the Dirichlet family at V = 300 and its simplex fallback took 56 s), repaired to an exactly "
             "feasible maximum plan (clip, scale, Dinic top-up; its minimum cut proves the value), `lp_simplex` GLPK's primal simplex "
             "on the same LP (the route before; also `--exact`'s), `flow` the same LP as a bipartite maximum flow "
             "(Dinic, in Swift, minimum cut as certificate), `sfm` the submodular minimisation (never enumerates "
             "draft sets; for independent drafts the AM–GM dual closes first and `iterations` counts its sorts, "
             "else the minimum-norm point's major iterations, with contraction). `highs_ms` is scipy's HiGHS on the **same LP** in the same suite run (`solve_ms`, the LP "
             "alone), `ratio` = toolkit ms / HiGHS ms (< 1: the toolkit is faster); toolkit times include building "
             "the set law. Release build, one run each. **LLM-style family** (the pairs above):\n\n"
             + table(out, columns, headers, digits=8) + "\n\n" + speedups(out))
    dirichlet = with_peer("timing_dirichlet")
    if dirichlet:
        page.add("**Dirichlet(0.5) family** (target and both drafts drawn from Dirichlet(0.5) on V tokens: flat, "
                 "overlapping laws where the LP is hardest for GLPK and the flow's augmenting paths are longest):\n\n"
                 + table(dirichlet, columns, headers, digits=8) + "\n\n" + speedups(dirichlet))

    def auto_is_fastest(out):
        by_v = {}
        for r in out:
            if r["law"] == "independent":
                by_v.setdefault(r["vocab"], {})[r["quantity"]] = r
        checks = [(v, d) for v, d in by_v.items() if "sfm" in d and len(d) > 1]
        return all(d["sfm"]["elapsed_ms"] <= min(x["elapsed_ms"] for x in d.values())
                   and d["sfm"]["gap"] <= 1e-12 for _, d in checks), len(checks)

    def ratio_at_largest(rows, quantity):
        have = [r for r in rows if r["quantity"] == quantity and r["highs_ms"] != "" and r["elapsed_ms"] > 0]
        if not have:
            return None
        v = max(r["vocab"] for r in have)
        return min(r["highs_ms"] / r["elapsed_ms"] for r in have if r["vocab"] == v), v

    goals = []
    for name, rows in (("LLM-style", out), ("Dirichlet(0.5)", dirichlet)):
        flow, lp = ratio_at_largest(rows, "flow"), ratio_at_largest(rows, "lp")
        if flow and lp:
            goals.append(f"{name} at V = {flow[1]}: flow {flow[0]:.3g}× HiGHS (goal ≥ 10×: "
                         f"**{'met' if flow[0] >= 10 else 'not met'}**), LP {lp[0]:.3g}× (goal ≥ 1×: "
                         f"**{'met' if lp[0] >= 1 else 'not met'}**)")
    if goals:
        page.add("Speed goals, from the rows above: " + "; ".join(goals) + ". Where GLPK's LP is slower, the "
                 "toolkit's exact answer comes from the flow or the submodular minimisation (`auto` never takes the "
                 "LP); orderings (AMD, SYMAMD, none), GLPK's own scaling, primal and dual simplex with and without "
                 "presolve were measured and are slower or no faster (Performance article).")

    fast_llm, n_llm = auto_is_fastest(out)
    fast_dir, n_dir = auto_is_fastest(dirichlet)
    page.add(f"`bound --method auto` takes `sfm` for independent drafts (the flow only when its bracket stays open). "
             f"On every independent instance above with more than one route timed ({n_llm} LLM-style, {n_dir} "
             f"Dirichlet), `sfm` certified (gap ≤ 1e-12) and was the fastest route: "
             f"**{'yes' if fast_llm and fast_dir else 'NO'}**.")
    if not peer:
        page.add("*(HiGHS peer table `highs_lp.csv` not found: scipy was not available when the suite ran.)*")
