#!/usr/bin/env bash
# Fuzzes the stream reader and `render` (fuzz/fuzz_targets/render.rs) with
# libFuzzer for SECONDS (default 300), starting from the seeds in
# fuzz/corpus/render/; then checks the corpus the fuzzer built against Go,
# differentially (see the end of this script).
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz); the
# Go check needs ../shared/tools/go-yaml2json (built into .tools/ as by
# .ci/run). Not run in CI. A crash is saved under fuzz/artifacts/: turn it
# into a regression case under tests/cases/ before fixing it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-300}
work=$(mktemp -d)
# The grown corpus is kept in fuzz/artifacts/corpus when a check fails.
trap 'rm -rf "$work" "$work.out"' EXIT
cp fuzz/corpus/render/* "$work/"
# Debug assertions on (-a): render then checks every Express document it
# edits in place against the document written anew (render/write.rs).
(cd fuzz && cargo +nightly fuzz run -a render "$work" corpus/render -- \
  -max_total_time="$seconds" -max_len=65536 -timeout=10)

go=$root/.tools/go-yaml2json
if [ ! -x "$go" ]; then
  bash "$root/../shared/tools/go-yaml2json/build.sh" "$go"
fi
# The differential check over the corpus the fuzzer grew (tests/cli/
# go_readback.rs, fuzz_corpus_means_to_go_what_it_meant): for every input Go
# reads, the output means the same to Go plus the injected fields, and no
# Express node goes out without a wave; for every input Go refuses, render
# refuses.
if ! EXPRESS_WAVES_GO_YAML2JSON=$go EXPRESS_WAVES_DIFF_DIR=$work \
  cargo test --locked --test cli fuzz_corpus_means_to_go_what_it_meant -- --nocapture; then
  mkdir -p fuzz/artifacts/corpus
  cp "$work"/* fuzz/artifacts/corpus/
  echo "differential check failed; the corpus is in fuzz/artifacts/corpus" >&2
  exit 1
fi
