#!/usr/bin/env bash
# The toolkit's main job: run the experiment suite (quick scale unless told otherwise), writing tidy CSV tables
# to results/ (or --output-dir), then render the Markdown notebooks in Notebooks-md/ from those tables.
# Usage: bash Experiments/run-suite.sh [--scale tiny|quick|full] [--seed S] [--output-dir DIR] [--threads K]
set -euo pipefail
cd "$(dirname "$0")/.."
scale=quick
out=results
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --scale) scale="${args[$((i + 1))]}" ;;
    --quick) scale=quick ;;
    --full) scale=full ;;
    --output-dir) out="${args[$((i + 1))]}" ;;
  esac
done
configuration="${MULTIDRAFT_CONFIGURATION:-release}"   # CI uses debug (already built by swift test)
notebooks="${MULTIDRAFT_NOTEBOOKS_DIR:-Notebooks-md}"
swift build -c "$configuration" --product multidraft-experiments
"$(swift build -c "$configuration" --show-bin-path)/multidraft-experiments" --scale "$scale" "$@"
mkdir -p "$out"
echo "$scale" > "$out/.scale"
# The LP peer measured in the same run: scipy's HiGHS on the instances the heterogeneous_drafts experiment wrote.
if [[ -f "$out/heterogeneous_drafts.csv" ]] && python3 -c "import scipy" 2>/dev/null; then
  python3 Experiments/reference/highs_lp.py --output "$out/highs_lp.csv" --from-table "$out/heterogeneous_drafts.csv"
fi
python3 Notebooks-md/render.py --results "$out" --notebooks "$notebooks" --require-all
