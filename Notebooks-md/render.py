"""Renders the Markdown notebooks from the experiment CSV tables.

Usage: python3 Notebooks-md/render.py [--results results] [--notebooks Notebooks-md]

Each notebook has a template in Notebooks-md/templates/NAME.py holding its prose: it states the question and the
exact command, renders tables from NAME.csv, draws SVG plots (svgplot.py, standard library only) and states what
the numbers say, every number read from the CSV at render time. The rendered page opens with a comment marking it as
generated. The CSVs are copied to <notebooks>/data/ so that every file a notebook references lives beside it."""
import argparse
import importlib.util
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from notebooklib import NOTEBOOKS, RESULTS_DIR, Page, read  # noqa: E402

# The templates in the order the notebooks are rendered.
TEMPLATES = ["scaling", "acceptance", "kseq_ratio", "audit", "candidate_length", "importance_sweeps",
             "importance_table", "markov_thresholds", "optimal_verifier", "heterogeneous_drafts", "model_pairs",
             "real_models", "engine_audit", "draft_trees", "block_verification"]


def load_templates():
    for name in TEMPLATES:
        spec = importlib.util.spec_from_file_location(f"notebook_template_{name}",
                                                      os.path.join(HERE, "templates", f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)

def main():
    load_templates()
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default="results")
    ap.add_argument("--notebooks", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--require-all", action="store_true", help="fail when an experiment's CSV is missing")
    args = ap.parse_args()
    RESULTS_DIR[0] = args.results
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
