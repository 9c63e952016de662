#!/usr/bin/env bash
# Fuzz smoke run and regression replay for every target (see README.md).
#
#   fuzz/run.sh [SECONDS]     SECONDS per target, default 30; 0 = replay only
#
# 1. builds every target once (cargo-fuzz, libFuzzer, AddressSanitizer; RUSTC_BOOTSTRAP=1 lets
#    the stable toolchain take the sanitizer flags);
# 2. fuzzes each target for SECONDS, starting from the committed corpus, into a scratch corpus
#    (the committed one is never written to), one target per CPU at a time (FUZZ_JOBS);
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

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

cargo fuzz build

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# Each libFuzzer process uses one CPU: run as many targets at once as there are CPUs
# (FUZZ_JOBS to choose), so every target still gets its SECONDS of fuzzing and the step takes
# a CPU count's fraction of the time. Each run's output goes to a file, printed whole when it
# fails and summed up in one line when it passes.
jobs="${FUZZ_JOBS:-$(nproc)}"

# one MODE TARGET: fuzz TARGET for $secs (MODE fuzz) or replay its corpus and regressions
# (MODE replay); prints one line, or the whole output and exits 1 on any finding.
one() {
    local mode=$1 t=$2 log
    log="$scratch/$mode-$t.log"
    local args
    if [ "$mode" = fuzz ]; then
        mkdir -p "$scratch/$t"
        args=("$scratch/$t" "corpus/$t" -- -max_total_time="$secs" -print_final_stats=1)
    else
        args=("corpus/$t")
        if [ -d "regressions/$t" ]; then
            args+=("regressions/$t")
        fi
        args+=(-- -runs=0)
    fi
    if cargo fuzz run "$t" "${args[@]}" -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
        echo "=== $mode $t: $(grep -m1 '^Done' "$log" || echo 'done')"
    else
        echo "=== $mode $t: FAILED (exit $?); its output:"
        cat "$log"
        return 1
    fi
}
export -f one
export scratch secs

if [ "$secs" -gt 0 ]; then
    printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'one fuzz "$1"' _ {}
fi
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'one replay "$1"' _ {}
echo "fuzz: ${#targets[@]} targets, ${secs}s of fuzzing each ($jobs at a time), corpora and regressions replayed: no finding"
