#!/usr/bin/env bash
# Fuzzes the stream reader and `render` (fuzz/fuzz_targets/render.rs) with
# libFuzzer for SECONDS (default 300), starting from fuzz/corpus/render/.
# Needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz).
# Not run in CI. A crash is saved under fuzz/artifacts/: turn it into a
# regression case under tests/cases/ before fixing it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-300}
cargo +nightly fuzz run render corpus/render -- -max_total_time="$seconds" -max_len=65536 -timeout=10
