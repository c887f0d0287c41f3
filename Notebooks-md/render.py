"""Renders the Markdown notebooks from the experiment CSV tables.

Usage: python3 Notebooks-md/render.py [--results results] [--notebooks Notebooks-md]

Each notebook states its question and exact command, renders tables from the CSV, draws SVG plots (svgplot.py,
standard library only) and states what the numbers say, every number read from the CSV at render time. The CSVs
are copied to <notebooks>/data/ so that every file a notebook references lives beside it."""
import argparse
import csv
import math
import os
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svgplot  # noqa: E402

NOTEBOOKS = []


def notebook(csv_name):
    def register(fn):
        NOTEBOOKS.append((csv_name, fn))
        return fn
    return register


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k, v in r.items():
            try:
                r[k] = int(v)
            except ValueError:
                try:
                    r[k] = float(v)
                except ValueError:
                    pass
    return rows


def fmt(v, digits=6):
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
            return f"{v:.3e}"
        return f"{v:.{digits}g}"
    return str(v)


def table(rows, columns, headers=None, digits=6):
    headers = headers or columns
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(columns)]
    for r in rows:
        out.append("| " + " | ".join(fmt(r.get(c, ""), digits) for c in columns) + " |")
    return "\n".join(out)


class Page:
    def __init__(self, name, folder, data_name, scale, seed):
        self.name, self.folder, self.data_name = name, folder, data_name
        self.scale, self.seed = scale, seed
        self.parts = []
        os.makedirs(os.path.join(folder, "figures"), exist_ok=True)

    def add(self, text):
        self.parts.append(text.strip("\n"))

    def figure(self, stem, caption, **kwargs):
        rel = f"figures/{self.name}-{stem}.svg"
        svgplot.plot(os.path.join(self.folder, rel), **kwargs)
        self.add(f"![{caption}]({rel})\n\n*{caption}*")

    def write(self):
        footer = (f"---\nData: [`data/{self.data_name}`](data/{self.data_name}) "
                  f"(scale `{self.scale}`, seed {self.seed}). Regenerate every notebook with "
                  "`bash Notebooks-md/regenerate.sh` (runs the suite, then this renderer).")
        with open(os.path.join(self.folder, f"{self.name}.md"), "w") as f:
            f.write("\n\n".join(self.parts + [footer]) + "\n")


# ---------------------------------------------------------------------------------------------------------------
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
  (without replacement) and {fmt(slow['greedy'], 3)} ms (greedy) over all n and T in the sweep, while the LP grows
  like Σ_m≤n C(V, m) variables and stops being practical near V ≈ 50 for n = 3.
- Log-log slope of time against V (n = {n_ref}, T = {fmt(t_ref)}): {', '.join(slopes)} — close to linear, as the
  O(V log V) sort (here an O(V) radix sort) and O(V·G·n) race predict.
- alpha* grows with n for all three laws and is largest without replacement, never below iid (proven:
  Q_wor ≤ Q_iid). Greedy drafts can be above or below the others; there is no general order.
- Published comparison: Hu et al. (2025) report alpha* of 86.9% (iid, OPT pair), 76.5% (without replacement,
  LLaMA pair) and 72.6% (greedy, EAGLE) on real model distributions [unverified, secondary sources]; synthetic
  pairs cannot reproduce those numbers, only the algorithms.""")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default="results")
    ap.add_argument("--notebooks", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--require-all", action="store_true", help="fail when an experiment's CSV is missing")
    args = ap.parse_args()
    data = os.path.join(args.notebooks, "data")
    os.makedirs(data, exist_ok=True)
    missing = []
    for csv_name, fn in NOTEBOOKS:
        src = os.path.join(args.results, csv_name)
        if not os.path.exists(src):
            missing.append(csv_name)
            continue
        shutil.copyfile(src, os.path.join(data, csv_name))
        rows = read(src)
        scale = "?"
        seed = rows[0]["seed"] if rows else "?"
        marker = os.path.join(args.results, ".scale")
        if os.path.exists(marker):
            scale = open(marker).read().strip()
        page = Page(csv_name[:-4], args.notebooks, csv_name, scale, seed)
        fn(rows, page)
        page.write()
        print(f"rendered {csv_name[:-4]}.md from {src}")
    if missing:
        print("missing CSV tables: " + ", ".join(missing), file=sys.stderr)
        if args.require_all:
            sys.exit(1)


if __name__ == "__main__":
    main()
