#!/usr/bin/env bash
# Run the whole test suite N times in a row (default 20) and say how each
# run ended: the check that the suite is steady. Run it in a clean clone
# with its own venv (as .ci/run makes it), on an otherwise quiet machine.
#   scripts/suite_loop.sh [N] [LOG_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
logs=${2:-suite-loop-logs}
mkdir -p "$logs"
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  .venv/bin/python -m pytest -q -p no:cacheprovider > "$logs/run_$i.log" 2>&1
  rc=$?
  echo "run $i rc=$rc $(( $(date +%s) - start ))s $(tail -1 "$logs/run_$i.log")" | tee -a "$logs/summary.txt"
done
