"""Renders a `multidraft batch --summary` CSV as Markdown: one table per law, a row per verifier (alpha* first), a
column per draft count n, each cell "mean ± std_error (positions)" — the shape of Khisti et al.'s Table 3.
Standard-library Python. Usage: python3 Notebooks-md/render_batch.py SUMMARY.csv [--title TEXT] > report.md"""
import argparse
import csv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("summary")
    ap.add_argument("--title", default="multidraft batch summary")
    args = ap.parse_args()
    rows = list(csv.DictReader(open(args.summary, newline="")))
    print(f"# {args.title}\n")
    if rows:
        print(f"Target: `{rows[0].get('target_processing', '')}`; drafts: `{rows[0].get('draft_processing', '')}`. "
              "Cells: mean over positions ± standard error (positions); sparse alpha* rows show [mean lower, mean upper].\n")
    for law in dict.fromkeys(r["law"] for r in rows):
        sel = [r for r in rows if r["law"] == law]
        ns = sorted({int(r["drafts"]) for r in sel})
        verifiers = list(dict.fromkeys(["alpha_star"] + [r["verifier"] for r in sel]))
        print(f"## {law}\n")
        print("| verifier | " + " | ".join(f"n = {n}" for n in ns) + " |")
        print("|---|" + "---|" * len(ns))
        for v in verifiers:
            cells = []
            for n in ns:
                c = [r for r in sel if r["verifier"] == v and int(r["drafts"]) == n]
                if not c:
                    cells.append("")
                    continue
                c = c[0]
                text = f"{float(c['mean']):.4f} ± {float(c['std_error']):.4f} ({c['positions']})"
                if c.get("mean_lower") and c.get("mean_upper") and abs(float(c["mean_upper"]) - float(c["mean_lower"])) > 1e-12:
                    text = f"[{float(c['mean_lower']):.4f}, {float(c['mean_upper']):.4f}] ({c['positions']})"
                cells.append(text)
            print(f"| {'alpha*' if v == 'alpha_star' else v} | " + " | ".join(cells) + " |")
        print()


if __name__ == "__main__":
    main()
