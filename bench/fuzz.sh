#!/usr/bin/env bash
# Fuzzes the stream reader and `render` (fuzz/fuzz_targets/render.rs) with
# libFuzzer for SECONDS (default 300), starting from the seeds in
# fuzz/corpus/render/; then checks that every input of the corpus the fuzzer
# built that renders at all renders to YAML that Go's reader accepts.
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz); the
# Go check needs ../shared/tools/go-yaml2json (built into .tools/ as by
# .ci/run). Not run in CI. A crash is saved under fuzz/artifacts/: turn it
# into a regression case under tests/cases/ before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-300}
work=$(mktemp -d)
trap 'rm -rf "$work" "$work.out"' EXIT
cp fuzz/corpus/render/* "$work/"
(cd fuzz && cargo +nightly fuzz run render "$work" corpus/render -- \
  -max_total_time="$seconds" -max_len=65536 -timeout=10)

go=$root/.tools/go-yaml2json
if [ ! -x "$go" ]; then
  bash "$root/../shared/tools/go-yaml2json/build.sh" "$go"
fi
cargo build --release --locked --quiet
checked=0
for f in "$work"/*; do
  if "$root/target/release/express-waves" render "$f" > "$work.out" 2>/dev/null; then
    # Go must read every document back (no ERR line) whenever the input
    # itself was readable by Go.
    if "$go" < "$f" > /dev/null 2>&1; then
      if ! "$go" < "$work.out" > /dev/null; then
        echo "Go cannot read the output for $f" >&2
        exit 1
      fi
    fi
    checked=$((checked + 1))
  fi
done
echo "fuzz: $checked rendered corpus inputs read back through Go"
