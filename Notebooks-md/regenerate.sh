#!/usr/bin/env bash
# Regenerates every notebook from fresh runs: the experiment suite (default --scale quick), then the renderer.
# Usage: bash Notebooks-md/regenerate.sh [--scale tiny|quick|full] [--seed S] [--output-dir DIR] [--threads K]
set -euo pipefail
cd "$(dirname "$0")/.."
bash Experiments/run-suite.sh "$@"
