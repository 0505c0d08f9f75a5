#!/usr/bin/env bash
# Whole-process benchmarks of `express-waves render`, side by side with the
# alternatives, as medians of repeated runs; then the criterion benchmarks
# of the core. Not part of CI (timings need a quiet machine): run by hand and
# record the table in bench/RESULTS.md.
#
#   bash bench/run.sh            # everything
#   bash bench/run.sh --quick    # fewer repetitions, no criterion
#   bash bench/run.sh --instructions   # also issue 13's ratio in
#                                      # instructions (valgrind), repeatable
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --bin express-waves --example parse-floor
venv=.tools/venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check 'helm-python-sdk==0.2.2' 'pyyaml>=6,<7'
"$venv/bin/python" bench/run.py "$@"
if [[ " $* " != *" --quick "* ]]; then
  cargo bench --locked --bench render -- --noplot
fi
