#!/usr/bin/env bash
# Benchmarks print ratios against the plain limit on this machine; BENCH_SIZE=small for CI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
for bench in bench/bench_*.py; do
  [ -e "$bench" ] || { echo "no benchmarks yet"; exit 0; }
  .venv/bin/python "$bench" "${BENCH_SIZE:-full}"
done
