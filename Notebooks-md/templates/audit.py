"""Template of the notebook audit.md: its prose, and how its tables, figures and statements are read
from audit.csv (every number in the page comes from the table at render time)."""
from notebooklib import *  # noqa: F401,F403 (helpers, svgplot and the standard-library modules they use)


@notebook("audit.csv")
def audit(rows, page):
    page.add("""# Distribution-preservation audit of every verifier

**Question.** Does every verifier output exactly the target distribution p, on the test vectors, on random pairs
with zero entries, with p = q and with disjoint supports — and does its simulated acceptance match the exact one?

**Command.** `swift run -c release multidraft-experiments --quick --only audit`.

**Set-up.** For each verifier and each draft law it supports: the exact output law by enumeration of draft tuples
and of the verifier's own randomness (no sampling), the exact acceptance, the closed form where one exists, and a
Monte-Carlo run with a fixed seed (z-score of the acceptance against the exact value; chi-square p-value of the
output counts against p).""")
    by = {}
    for r in rows:
        by.setdefault((r["verifier"], r["law"]), []).append(r)
    summary = []
    for (v, law), g in sorted(by.items()):
        closed = [abs(x["closed_form"] - x["exact_acceptance"]) for x in g if isinstance(x["closed_form"], float)]
        summary.append({"verifier": v, "law": law, "runs": len(g), "max_law_error": max(x["max_law_error"] for x in g),
                        "max_closed_form_error": max(closed) if closed else "", "max_abs_z": max(abs(x["z_score"]) for x in g),
                        "min_chi2_pvalue": min(x["chi2_pvalue"] for x in g),
                        "max_excess_over_bound": max(x["exact_acceptance"] - x["bound"] for x in g)})
    page.add("### Per verifier and law\n\n" + table(summary, ["verifier", "law", "runs", "max_law_error",
                                                               "max_closed_form_error", "max_abs_z", "min_chi2_pvalue",
                                                               "max_excess_over_bound"], digits=3))
    worst_law = max(r["max_law_error"] for r in rows)
    worst_z = max(abs(r["z_score"]) for r in rows)
    min_p = min(r["chi2_pvalue"] for r in rows)
    excess = max(r["exact_acceptance"] - r["bound"] for r in rows)
    pts = sorted(r["chi2_pvalue"] for r in rows)
    page.figure("pvalues", "Sorted chi-square p-values of all runs against the uniform quantiles (a lossless verifier gives the diagonal)",
                series=[("runs", [((k + 0.5) / len(pts), x) for k, x in enumerate(pts)], "points"),
                        ("uniform", [(0, 0), (1, 1)], "line")],
                title="chi-square p-values, QQ against Uniform(0, 1)", xlabel="uniform quantile", ylabel="p-value")
    page.add(f"""### What the numbers say

- Largest deviation of any exact output law from p: {fmt(worst_law, 3)} (round-off; the tests require ≤ 1e-12,
  1e-9 for the LP-based optimal verifier).
- Largest |z| of a simulated acceptance against its exact value: {fmt(worst_z, 3)} over {len(rows)} runs; smallest
  chi-square p-value {fmt(min_p, 3)}.
- No verifier's exact acceptance exceeds alpha* of its law (largest excess {fmt(excess, 3)}, round-off level).""")
