#!/usr/bin/env bash
# Fuzz smoke run and regression replay for every target (see README.md).
#
#   fuzz/run.sh [SECONDS]     SECONDS per target, default 30; 0 = replay only
#
# 1. builds every target once (cargo-fuzz, libFuzzer, AddressSanitizer; RUSTC_BOOTSTRAP=1 lets
#    the stable toolchain take the sanitizer flags);
# 2. fuzzes each target for SECONDS, starting from the committed corpus, into a scratch corpus
#    (the committed one is never written to);
# 3. replays the committed corpus and regression inputs once each (-runs=0).
# Any crash, timeout (10 s per input) or RSS over 2 GB fails the script; libFuzzer writes the
# input to fuzz/artifacts/<target>/.
set -euo pipefail

secs="${1:-30}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
# No allocation stack traces: AddressSanitizer keeps one per distinct stack for good, and the
# deep, ever-different recursion of the expression targets grew that store past the RSS limit
# in a few minutes (measured: live heap 31 MB at a 2 GB "out-of-memory"; flat at 520 MB
# without them). Crash reports keep their own stacks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}"
targets=(signals policy kyc decide functions differential application decision_log provider_reply redact consent history reference arrow_batch line_splitter)
limits=(-rss_limit_mb=2048 -timeout=10)

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

cargo fuzz build

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

for t in "${targets[@]}"; do
    [ "$secs" -gt 0 ] || break
    echo "=== fuzz $t for ${secs}s"
    mkdir -p "$scratch/$t"
    cargo fuzz run "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$secs" -print_final_stats=1 "${limits[@]}"
done

for t in "${targets[@]}"; do
    dirs=("corpus/$t")
    if [ -d "regressions/$t" ]; then
        dirs+=("regressions/$t")
    fi
    echo "=== replay $t: ${dirs[*]}"
    cargo fuzz run "$t" "${dirs[@]}" -- -runs=0 "${limits[@]}"
done
echo "fuzz: ${#targets[@]} targets, ${secs}s of fuzzing each, corpora and regressions replayed: no finding"
