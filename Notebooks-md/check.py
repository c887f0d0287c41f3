"""CI check: every file a notebook references exists, and every CSV table is tidy (snake_case header starting
with item,seed,multidraft_version; every row as wide as the header; at least one row).
Usage: python3 Notebooks-md/check.py NOTEBOOK_DIR [RESULTS_DIR]"""
import csv
import os
import re
import sys

errors = []
folder = sys.argv[1]
notebooks = [f for f in sorted(os.listdir(folder)) if f.endswith(".md")]
if not notebooks:
    errors.append(f"no notebooks in {folder}")
for name in notebooks:
    text = open(os.path.join(folder, name)).read()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+://", target) or target.startswith("#"):
            continue
        path = os.path.normpath(os.path.join(folder, target.split("#")[0]))
        if not os.path.exists(path):
            errors.append(f"{name}: referenced file {target} does not exist")
tables = []
if len(sys.argv) > 2:
    tables = [os.path.join(sys.argv[2], f) for f in sorted(os.listdir(sys.argv[2])) if f.endswith(".csv")]
tables += [os.path.join(folder, "data", f) for f in sorted(os.listdir(os.path.join(folder, "data")))
           if f.endswith(".csv")] if os.path.isdir(os.path.join(folder, "data")) else []
for path in tables:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0] if rows else []
    if header[:3] != ["item", "seed", "multidraft_version"]:
        errors.append(f"{path}: header does not start with item,seed,multidraft_version")
    if any(not re.fullmatch(r"[a-z][a-z0-9_]*", h) for h in header):
        errors.append(f"{path}: header is not snake_case: {header}")
    if len(rows) < 2:
        errors.append(f"{path}: no data rows")
    for k, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            errors.append(f"{path}:{k}: {len(row)} fields, header has {len(header)}")
            break
for e in errors:
    print("check: " + e, file=sys.stderr)
print(f"checked {len(notebooks)} notebooks and {len(tables)} tables: {'FAIL' if errors else 'ok'}")
sys.exit(1 if errors else 0)
