#!/usr/bin/env bash
# `make test` N times in a row on a fresh clone with a CPU-bound process beside it (issue #11's check that the
# suite does not flake on a busy machine). Usage: bench/make_test_under_load.sh [RUNS] [LOG_DIR]
# Clones this checkout's HEAD into a new temporary folder, starts `python3 -c "while True: pass"` (one full core),
# runs `make test` RUNS times (default 3), stops at the first failure, and prints a line per run: exit code,
# wall time, load average, pytest's summary. Logs go to LOG_DIR (default: a new temporary folder).
set -u
RUNS=${1:-3}
LOGS=${2:-$(mktemp -d)}
SRC=$(cd "$(dirname "$0")/.." && pwd)
CLONE=$(mktemp -d)/atlas
mkdir -p "$LOGS"
git clone -q "$SRC" "$CLONE" && cd "$CLONE" || exit 1
python3 -c "while True: pass" & HOG=$!
trap 'kill $HOG 2> /dev/null' EXIT
echo "commit $(git rev-parse --short HEAD); busy loop pid $HOG; $(nproc) cores; logs in $LOGS"
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s)
  make test > "$LOGS/run$i.log" 2>&1; rc=$?
  summary=$(grep -E '^=+ .*(passed|failed|error).* in ' "$LOGS/run$i.log" | tail -1)
  echo "run $i: exit $rc, wall $(($(date +%s) - start)) s, load $(cut -d' ' -f1-3 /proc/loadavg) :: $summary"
  [ "$rc" -eq 0 ] || exit "$rc"
done
echo "all $RUNS runs passed"
