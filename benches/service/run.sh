#!/usr/bin/env bash
# The decision service under load, on loopback: peak throughput with the decision log off and
# on (wrk, closed loop), then latency at half of each peak (loadgen, open loop at a constant
# rate). Prints a summary and writes it to target/service-load/results.md. See
# docs/service-load.md for what the figures mean.
#
# Knobs (environment): PEAK_SECONDS (15), LATENCY_SECONDS (15), WARMUP_SECONDS (3),
# WRK_THREADS (1), WRK_CONNECTIONS (64), LG_CONNECTIONS (32), SERVER_THREADS (the service's
# default: one per core), PIN=1 (server on CPU 0, load generators on CPU 1), OUT (output dir),
# LOG_DIR (where the decision log goes; default a fresh temp dir), LOG_FLAGS (more flags for
# the log-on server, e.g. "--log-sync none"), SKIP_BUILD=1.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=${OUT:-$ROOT/target/service-load}
PEAK_SECONDS=${PEAK_SECONDS:-15}
LATENCY_SECONDS=${LATENCY_SECONDS:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-3}
WRK_THREADS=${WRK_THREADS:-1}
WRK_CONNECTIONS=${WRK_CONNECTIONS:-64}
LG_CONNECTIONS=${LG_CONNECTIONS:-32}
mkdir -p "$OUT"

load_before=$(uptime)

if ! command -v wrk >/dev/null; then
    echo "wrk is missing: installing Debian's package" >&2
    apt-get install -y wrk >/dev/null
fi

if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release -q -p underwrite-cli --bin underwrite
    cargo build --release -q -p underwrite-benches --bin loadgen
fi
UNDERWRITE=$TARGET/release/underwrite
LOADGEN=$TARGET/release/loadgen

SERVER_CPU=()
CLIENT_CPU=()
if [[ -n ${PIN:-} ]]; then
    SERVER_CPU=(taskset -c 0)
    CLIENT_CPU=(taskset -c 1)
fi
SERVER_ARGS=()
if [[ -n ${SERVER_THREADS:-} ]]; then
    SERVER_ARGS+=(--threads "$SERVER_THREADS")
fi

export BODY_TAIL=$OUT/body-tail.json
"$LOADGEN" body >"$BODY_TAIL"

SERVER_PID=
ADDR=
LOG_TMP=

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    if [[ -n $LOG_TMP ]]; then
        rm -rf "$LOG_TMP"
    fi
}
trap cleanup EXIT

# start_server NAME [ARGS...]: start `underwrite serve` on a free loopback port; sets ADDR.
start_server() {
    local name=$1
    shift
    local err=$OUT/server-$name.log
    : >"$err" # exists before the background process opens it
    "${SERVER_CPU[@]}" "$UNDERWRITE" serve --policy rules/starter.yaml --listen 127.0.0.1:0 \
        "${SERVER_ARGS[@]}" "$@" 2>"$err" &
    SERVER_PID=$!
    ADDR=
    for _ in $(seq 300); do
        ADDR=$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*listening.*addr=\([0-9.:]*\).*/\1/p' "$err" | head -1)
        [[ -n $ADDR ]] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "the service did not start; its stderr:" >&2
    cat "$err" >&2
    exit 1
}

stop_server() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID"
    SERVER_PID=
}

# peak NAME [PATH]: warm up, then wrk at full speed: the decision POST, or a GET of PATH when
# given (the baseline: what the HTTP stack and wrk alone sustain on this machine right now).
# Sets PEAK (requests/s), SERVER_US and WRK_US (CPU per request of the server and of wrk during
# the peak run) and SHARE (the part of the machine's CPUs the two had, in percent: the rest went
# to whatever else was running).
peak() {
    local name=$1
    local url=http://$ADDR/v1/decisions
    local script=(-s benches/service/post.lua)
    if [[ -n ${2:-} ]]; then
        url=http://$ADDR$2
        script=()
    fi
    "${CLIENT_CPU[@]}" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${WARMUP_SECONDS}s" \
        "${script[@]}" "$url" >"$OUT/wrk-$name-warmup.txt"
    local server_before wrk_cpu
    server_before=$(cpu_seconds)
    wrk_cpu=$({
        TIMEFORMAT='%U %S'
        time "${CLIENT_CPU[@]}" wrk -t"$WRK_THREADS" -c"$WRK_CONNECTIONS" -d"${PEAK_SECONDS}s" \
            --latency "${script[@]}" "$url" >"$OUT/wrk-$name.txt"
    } 2>&1 | awk '{ print $1 + $2 }')
    local server_cpu
    server_cpu=$(awk -v a="$server_before" -v b="$(cpu_seconds)" 'BEGIN { print b - a }')
    if grep -q "Non-2xx" "$OUT/wrk-$name.txt"; then
        echo "wrk saw answers other than 200 ($name):" >&2
        cat "$OUT/wrk-$name.txt" >&2
        exit 1
    fi
    PEAK=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$OUT/wrk-$name.txt")
    local requests
    requests=$(awk '/requests in/ { print $1 }' "$OUT/wrk-$name.txt")
    SERVER_US=$(per_request_us "$server_cpu" "$requests")
    WRK_US=$(per_request_us "$wrk_cpu" "$requests")
    SHARE=$(awk -v s="$server_cpu" -v w="$wrk_cpu" -v n="$(nproc)" -v d="$PEAK_SECONDS" \
        'BEGIN { printf "%.0f", 100 * (s + w) / (n * d) }')
}

# latency NAME RATE: loadgen at RATE per second; prints its key=value line.
latency() {
    local name=$1 rate=$2
    "${CLIENT_CPU[@]}" "$LOADGEN" run --url "http://$ADDR/v1/decisions" --rate "$rate" \
        --seconds "$LATENCY_SECONDS" --connections "$LG_CONNECTIONS" | tee "$OUT/loadgen-$name.txt"
}

field() { # field KEY LINE
    sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"
}

cpu_seconds() { # user+system CPU seconds of the server so far
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$SERVER_PID/stat"
}

per_request_us() { # CPU-SECONDS REQUESTS
    awk -v c="$1" -v n="$2" 'BEGIN { printf "%.0f", c * 1e6 / n }'
}

echo "== baseline: GET /healthz" >&2
start_server off
peak healthz /healthz
peak_hz=$PEAK server_us_hz=$SERVER_US wrk_us_hz=$WRK_US share_hz=$SHARE

echo "== log off" >&2
peak off
peak_off=$PEAK server_us_off=$SERVER_US wrk_us_off=$WRK_US share_off=$SHARE
lat_off=$(latency off $((peak_off / 2)))
stop_server

echo "== log on" >&2
if [[ -n ${LOG_DIR:-} ]]; then
    log_dir=$LOG_DIR
else
    LOG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/service-load.XXXXXX")
    log_dir=$LOG_TMP
fi
# shellcheck disable=SC2086 # LOG_FLAGS is a list of flags.
start_server on --decision-log "$log_dir" ${LOG_FLAGS:-}
peak on
peak_on=$PEAK server_us_on=$SERVER_US wrk_us_on=$WRK_US share_on=$SHARE
# The peak left about a gigabyte of log in the page cache; the kernel writes it back over the
# next seconds and throttles writers meanwhile. Flush it first, so the latency run measures a
# service at half load rather than the tail of the peak's writeback.
sync_started=$(date +%s.%N)
sync
sync_seconds=$(awk -v a="$sync_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
lat_on=$(latency on $((peak_on / 2)))
stop_server
logged=$(cat "$log_dir"/* 2>/dev/null | wc -l)

load_after=$(uptime)
ceiling() { # SERVER-US WRK-US: requests/s if both had every CPU of the machine
    awk -v s="$1" -v w="$2" -v n="$(nproc)" 'BEGIN { printf "%.0f", n * 1e6 / (s + w) }'
}
row() { # row NAME PEAK SHARE SERVER-US WRK-US LATENCY-LINE
    printf '| %s | %s | %s %% | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" \
        "$(ceiling "$4" "$5")" "$(field achieved_rate "$6")" "$(field p50_ms "$6")" \
        "$(field p90_ms "$6")" "$(field p99_ms "$6")" "$(field errors "$6")"
}
if [[ -n ${PIN:-} ]]; then pinning="server on CPU 0, wrk and loadgen on CPU 1"; else pinning=none; fi
{
    echo "# Service load run"
    echo
    echo "- when: $(date -u +%FT%TZ); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
    echo "- load average before: ${load_before#*load average: }; after: ${load_after#*load average: }"
    echo "- pinning: $pinning; server threads: ${SERVER_THREADS:-default (one per CPU)}"
    echo "- wrk: ${WRK_THREADS} thread(s), ${WRK_CONNECTIONS} connections, ${PEAK_SECONDS} s after a ${WARMUP_SECONDS} s warm-up"
    echo "- loadgen: ${LG_CONNECTIONS} connections, ${LATENCY_SECONDS} s at half the peak, open loop"
    echo "- body: $(($(wc -c <"$BODY_TAIL") + 20)) bytes (testdata/signals/clean.json + testdata/kyc/joe-exact.json)"
    echo "- after the log-on peak, flushing its log to disk took ${sync_seconds} s (before the latency run)"
    echo "- decision log lines written in the log-on run: ${logged}"
    echo
    echo "Peak: wrk. Share: the part of all CPUs the server and wrk had during the peak (the rest"
    echo "went to other processes). CPU µs: per request, user + system. Ceiling: CPUs × 10⁶ / (server"
    echo "µs + wrk µs), the peak if the two had the machine to themselves. Latency: loadgen at half the"
    echo "peak, from each request's scheduled send time. The baseline row is the same server"
    echo "answering GET /healthz: what the HTTP stack and wrk sustain on this machine in this run."
    echo
    echo "| log | peak req/s | share | server µs | wrk µs | ceiling req/s | half-load req/s | p50 ms | p90 ms | p99 ms | errors |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|"
    printf '| GET /healthz (baseline) | %s | %s %% | %s | %s | %s | | | | | |\n' "$peak_hz" \
        "$share_hz" "$server_us_hz" "$wrk_us_hz" "$(ceiling "$server_us_hz" "$wrk_us_hz")"
    row off "$peak_off" "$share_off" "$server_us_off" "$wrk_us_off" "$lat_off"
    row on "$peak_on" "$share_on" "$server_us_on" "$wrk_us_on" "$lat_on"
    echo
    awk -v on="$peak_on" -v off="$peak_off" -v hz="$peak_hz" 'BEGIN {
        printf "Ratios in this run: log on / log off %.0f %%; log off / baseline %.0f %%; log on / baseline %.0f %%.\n",
            100 * on / off, 100 * off / hz, 100 * on / hz }'
} >"$OUT/results.md"
cat "$OUT/results.md"
