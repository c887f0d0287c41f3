"""Template of the notebook draft_trees.md: its prose, and how its tables, figures and statements are read
from draft_trees.csv (every number in the page comes from the table at render time)."""
from notebooklib import *  # noqa: F401,F403 (helpers, svgplot and the standard-library modules they use)


@notebook("draft_trees.csv")
def draft_trees(rows, page):
    page.add("""# Sequence level: block efficiency of multi-draft sequences, and draft trees

**Question.** Papers report tokens per target call, not token-level acceptance. For K draft sequences of length
L = 5, how many tokens does each verifier yield per target call, and which tree shapes are best for a node budget?

**Command.** `swift run -c release draft-trees --quick` (part of `bash Experiments/run-suite.sh --quick`); single
instances with `multidraft block-efficiency` and `multidraft tree-design`.

**Set-up.** Synthetic order-1 Markov models over V = 6 tokens (LLM-like rows: Zipf-like target logits per state,
draft logits = target + N(0, σ²), σ = the mismatch). K i.i.d. draft sequences; at each node the sequences consistent
with the accepted prefix offer their next tokens to the verifier, and those holding the output token survive.
`block_efficiency` is exact (recursion over depth, surviving count and context, every draft tuple enumerated
through the verifier's exact output law); `simulated` is Monte Carlo with its standard error and z-score against the
exact value. The tests check that chains reproduce Leviathan's (1 − α^{L+1})/(1 − α) and that the law of the
generated tokens equals the target's (enumeration, every verifier). Synthetic models test the method, not the
papers' numbers.""")
    blocks = [r for r in rows if r["kind"] == "blocks"]
    for sigma in sorted({r["mismatch"] for r in blocks}):
        sel = [r for r in blocks if r["mismatch"] == sigma]
        ks = sorted({r["drafts"] for r in sel})
        out = []
        for name in ["optimal", "kseq", "rrs"]:
            row = {"verifier": name}
            for k in ks:
                c = [r for r in sel if r["verifier"] == name and r["drafts"] == k]
                if c:
                    row[f"k{k}"] = c[0]["block_efficiency"]
            out.append(row)
        z = max(abs(r["z_score"]) for r in sel)
        page.add(f"## Block efficiency against K (σ = {sigma}, L = {sel[0]['length']})\n\n" + table(
            out, ["verifier"] + [f"k{k}" for k in ks], ["verifier"] + [f"K = {k}" for k in ks]) +
            f"\n\nLargest |z| of Monte Carlo against the exact value: {z:.2f}.")
        page.figure(f"blocks-{sigma}", f"Block efficiency against K (σ = {sigma})",
                    series=[(name, [(r["drafts"], r["block_efficiency"]) for r in sorted(sel, key=lambda r: r["drafts"])
                                    if r["verifier"] == name], "line") for name in ["optimal", "kseq", "rrs"]],
                    title=f"tokens per target call, sigma = {sigma}", xlabel="K drafts", ylabel="block efficiency")
    ok = all(o["block_efficiency"] >= max(r["block_efficiency"] for r in blocks if r["mismatch"] == o["mismatch"]
                                          and r["drafts"] == o["drafts"]) - 1e-12
             for o in blocks if o["verifier"] == "optimal")
    page.add(f"The optimal verifier's block efficiency is ≥ every other verifier's on every instance above: "
             f"**{'yes' if ok else 'NO'}**.")
    trees = [r for r in rows if r["kind"] == "trees"]
    if trees:
        page.add("## Optimal draft trees for RRS's sibling acceptances\n\n"
                 "The positional model is exact for RRS with i.i.d. drafts (a_i = Σ min(p_i, q), p_{i+1} = "
                 "norm((p_i − q)₊)), here at the model's first position. `tree_tokens` is the best tree's expected "
                 "tokens per call (DP, equal to brute force over every tree up to 9 nodes in the tests); "
                 "`chain_tokens` a chain of the same node count; speedups are tokens per target-pass time with one "
                 "draft pass per tree level costing 5 % of a target pass (`tree_speedup` for the fastest tree within "
                 "the budget).\n\n" + table(
            trees, ["mismatch", "budget", "tree_tokens", "chain_tokens", "tree_depth", "tree_speedup", "chain_speedup", "tree"],
            ["σ", "budget", "tree tokens", "chain tokens", "tree depth", "tree speedup", "chain speedup", "tree (parents)"]))
