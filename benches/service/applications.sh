#!/usr/bin/env bash
# What the application flow (POST /v1/applications: the service fetches the signals from the
# provider, then decides) adds to a decision (POST /v1/decisions: the signals in the body),
# against the local provider stand-in on loopback. One service and one stand-in for the whole
# run; at each rate, loadgen (open loop) sends decisions, then applications, and the figures of
# the two are compared. Prints a summary and writes it to target/service-load/applications.md.
# See docs/signals-load.md for what the figures mean.
#
# Knobs (environment): RATES ("200 1000 3000", requests per second), LATENCY_SECONDS (15, per
# route and rate), WARMUP_SECONDS (2, per route and rate, not measured), LG_CONNECTIONS (64),
# DELAY_MS (20: a second configuration with the stand-in answering that late; 0 or empty skips
# it), DELAY_RATES ("200 1000", its rates), SERVER_THREADS (the service's default: one per
# core), OUT (output dir), SKIP_BUILD=1. Not part of CI.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
OUT=${OUT:-$ROOT/target/service-load}
RATES=${RATES:-200 1000 3000}
LATENCY_SECONDS=${LATENCY_SECONDS:-15}
WARMUP_SECONDS=${WARMUP_SECONDS:-2}
LG_CONNECTIONS=${LG_CONNECTIONS:-64}
DELAY_MS=${DELAY_MS-20}
DELAY_RATES=${DELAY_RATES:-200 1000}
mkdir -p "$OUT"

load_before=$(uptime)
started=$(date -u +%FT%TZ)

if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release -q -p underwrite-cli --bin underwrite
    cargo build --release -q -p underwrite-signals-standin --bin signals-standin
    cargo build --release -q -p underwrite-benches --bin loadgen
fi
UNDERWRITE=$TARGET/release/underwrite
STANDIN=$TARGET/release/signals-standin
LOADGEN=$TARGET/release/loadgen

SERVER_ARGS=()
if [[ -n ${SERVER_THREADS:-} ]]; then
    SERVER_ARGS+=(--threads "$SERVER_THREADS")
fi

# The stand-in's credentials, given to both (the stand-in reads the same variables).
export UNDERWRITE_SIGNALS_KEY=standin-key
export UNDERWRITE_SIGNALS_SECRET=standin-secret

SERVER_PID=
STANDIN_PID=
ADDR=

cleanup() {
    local pid
    for pid in "$SERVER_PID" "$STANDIN_PID"; do
        if [[ -n $pid ]]; then
            kill -TERM "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
}
trap cleanup EXIT

# start_standin NAME DELAY-MS: start the stand-in on a free loopback port; sets STANDIN_PID and
# exports UNDERWRITE_SIGNALS_BASE_URL (read from the one line it prints once it listens).
start_standin() {
    local name=$1 delay=$2
    local out=$OUT/standin-$name.out err=$OUT/standin-$name.log
    : >"$out" # exist before the background process opens them
    : >"$err"
    "$STANDIN" --listen 127.0.0.1:0 --delay-ms "$delay" >"$out" 2>"$err" &
    STANDIN_PID=$!
    local url=
    for _ in $(seq 300); do
        url=$(sed -n 's/^listening \(http:[^ ]*\)$/\1/p' "$out" | head -1)
        if [[ -n $url ]]; then
            export UNDERWRITE_SIGNALS_BASE_URL=$url
            return 0
        fi
        kill -0 "$STANDIN_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "the stand-in did not start; its stderr:" >&2
    cat "$err" >&2
    exit 1
}

# start_server NAME: start `underwrite serve` (decision log off) on a free loopback port, its
# provider the stand-in; sets SERVER_PID and ADDR.
start_server() {
    local name=$1
    local err=$OUT/server-applications-$name.log
    : >"$err"
    "$UNDERWRITE" serve --policy rules/starter.yaml --listen 127.0.0.1:0 --signals-country PH \
        "${SERVER_ARGS[@]}" 2>"$err" &
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

stop_both() {
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID"
    SERVER_PID=
    STANDIN_RSS_MB=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$STANDIN_PID/status")
    kill -TERM "$STANDIN_PID"
    wait "$STANDIN_PID"
    STANDIN_PID=
}

cpu_seconds() { # PID: user+system CPU seconds of that process so far
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}

per_request_us() { # CPU-SECONDS REQUESTS
    awk -v c="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", c * 1e6 / n; else print "-" }'
}

# fetch_seconds: the service's signals_fetch_duration histogram so far, "SUM COUNT FAST" (FAST:
# the fetches that took at most SLOW_LE seconds, one of the histogram's bounds).
fetch_seconds() {
    curl -sf "http://$ADDR/metrics" | awk -v le="$SLOW_LE" '
        /^underwrite_signals_fetch_duration_seconds_sum/ { s = $2 }
        /^underwrite_signals_fetch_duration_seconds_count/ { n = $2 }
        index($0, "underwrite_signals_fetch_duration_seconds_bucket{le=\"" le "\"}") == 1 { f = $2 }
        END { print s + 0, n + 0, f + 0 }'
}

# slow_le DELAY-MS: the histogram's smallest bound at least 10 ms past the stand-in's delay.
slow_le() {
    local bound
    for bound in 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 10; do
        if awk -v b="$bound" -v d="$1" 'BEGIN { exit !(b * 1000 >= d + 10) }'; then
            echo "$bound"
            return
        fi
    done
    echo 10
}

field() { # field KEY LINE
    sed -n "s/.*\\b$1=\\([^ ]*\\).*/\\1/p" <<<"$2"
}

# loadgen_args ROUTE: the URL and body flags for decisions or applications.
loadgen_args() {
    case $1 in
    decisions) echo "--url http://$ADDR/v1/decisions --body-kind decision" ;;
    applications) echo "--url http://$ADDR/v1/applications --body-kind application" ;;
    esac
}

# measure CONFIG ROUTE RATE: warm up, then loadgen at RATE for LATENCY_SECONDS. Sets LINE
# (loadgen's key=value line), SERVER_US, STANDIN_US, LOADGEN_US (CPU per answered request) and
# FETCH_MS and SLOW_FETCHES (the mean time the service spent fetching signals, and the fetches
# over SLOW_LE seconds, by its own metric; "-" for decisions).
measure() {
    local config=$1 route=$2 rate=$3
    # shellcheck disable=SC2046 # loadgen_args is a list of flags.
    "$LOADGEN" run $(loadgen_args "$route") --rate "$rate" --seconds "$WARMUP_SECONDS" \
        --connections "$LG_CONNECTIONS" >"$OUT/loadgen-$config-$route-$rate-warmup.txt"
    local server_before standin_before loadgen_cpu
    server_before=$(cpu_seconds "$SERVER_PID")
    standin_before=$(cpu_seconds "$STANDIN_PID")
    local fetch_before
    fetch_before=$(fetch_seconds)
    local file=$OUT/loadgen-$config-$route-$rate.txt
    loadgen_cpu=$({
        TIMEFORMAT='%U %S'
        # shellcheck disable=SC2046
        time "$LOADGEN" run $(loadgen_args "$route") --rate "$rate" \
            --seconds "$LATENCY_SECONDS" --connections "$LG_CONNECTIONS" >"$file"
    } 2>&1 | awk '{ print $1 + $2 }')
    local server_cpu standin_cpu
    server_cpu=$(awk -v a="$server_before" -v b="$(cpu_seconds "$SERVER_PID")" 'BEGIN { print b - a }')
    standin_cpu=$(awk -v a="$standin_before" -v b="$(cpu_seconds "$STANDIN_PID")" 'BEGIN { print b - a }')
    LINE=$(cat "$file")
    local fetch_after
    fetch_after=$(fetch_seconds)
    FETCH_MS=$(awk -v a="$fetch_before" -v b="$fetch_after" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        if (y[2] > x[2]) printf "%.3f", 1000 * (y[1] - x[1]) / (y[2] - x[2]); else print "-" }')
    SLOW_FETCHES=$(awk -v a="$fetch_before" -v b="$fetch_after" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        if (y[2] > x[2]) print (y[2] - x[2]) - (y[3] - x[3]); else print "-" }')
    echo "$config $route $rate/s: $LINE" >&2
    local ok errors
    ok=$(field ok "$LINE")
    errors=$(field errors "$LINE")
    if [[ $errors != 0 ]]; then
        echo "loadgen saw errors ($config $route $rate/s): $LINE" >&2
        ERRORS_SEEN=1
    fi
    if [[ $route == applications && $(field provider_posts "$LINE") != "$ok" ]]; then
        echo "not one provider POST per application ($config $rate/s): $LINE" >&2
        ERRORS_SEEN=1
    fi
    SERVER_US=$(per_request_us "$server_cpu" "$ok")
    STANDIN_US=$(per_request_us "$standin_cpu" "$ok")
    LOADGEN_US=$(per_request_us "$loadgen_cpu" "$ok")
}

ERRORS_SEEN=
SLOW_LE=0.01
ROWS=()
DIFFS=()

# configuration NAME DELAY-MS RATES...: a stand-in answering DELAY-MS late, a service, and at
# each rate decisions then applications.
configuration() {
    local name=$1 delay=$2
    shift 2
    echo "== stand-in delay ${delay} ms" >&2
    SLOW_LE=$(slow_le "$delay")
    start_standin "$name" "$delay"
    start_server "$name"
    local rate
    for rate in "$@"; do
        measure "$name" decisions "$rate"
        local d=$LINE d_server=$SERVER_US d_loadgen=$LOADGEN_US
        measure "$name" applications "$rate"
        local a=$LINE
        ROWS+=("| $delay | $rate | decisions | $(field achieved_rate "$d") | $(field p50_ms "$d") | $(field p90_ms "$d") | $(field p99_ms "$d") | $(field max_ms "$d") | $(field errors "$d") | $d_server | - | $d_loadgen |")
        ROWS+=("| $delay | $rate | applications | $(field achieved_rate "$a") | $(field p50_ms "$a") | $(field p90_ms "$a") | $(field p99_ms "$a") | $(field max_ms "$a") | $(field errors "$a") | $SERVER_US | $STANDIN_US | $LOADGEN_US |")
        DIFFS+=("| $delay | $rate | $(awk -v a="$(field p50_ms "$a")" -v d="$(field p50_ms "$d")" 'BEGIN { printf "%+.3f", a - d }') | $(awk -v a="$(field p99_ms "$a")" -v d="$(field p99_ms "$d")" 'BEGIN { printf "%+.3f", a - d }') | $FETCH_MS | $SLOW_FETCHES (> $(awk -v b="$SLOW_LE" 'BEGIN { print b * 1000 }') ms) | $(awk -v a="$SERVER_US" -v d="$d_server" 'BEGIN { printf "%+d", a - d }') | $(awk -v a="$SERVER_US" -v d="$d_server" -v s="$STANDIN_US" 'BEGIN { printf "%+d", a - d + s }') | $(field decisions "$a") |")
    done
    stop_both
    STANDIN_RSS+=("${delay} ms: ${STANDIN_RSS_MB} MB")
}

STANDIN_RSS=()
# shellcheck disable=SC2086 # RATES is a list.
configuration delay0 0 $RATES
if [[ -n $DELAY_MS && $DELAY_MS != 0 ]]; then
    # shellcheck disable=SC2086
    configuration "delay$DELAY_MS" "$DELAY_MS" $DELAY_RATES
fi

load_after=$(uptime)
elapsed=$SECONDS
{
    echo "# Application flow against the stand-in"
    echo
    echo "- when: ${started} (start); commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); no pinning: the service, the stand-in and loadgen share them"
    echo "- load average before: ${load_before#*load average: }; after: ${load_after#*load average: }"
    echo "- service: rules/starter.yaml, decision log off, threads ${SERVER_THREADS:-default (one per CPU)}; stand-in: beta API, phone +639171234564 (clean.json)"
    echo "- loadgen: ${LG_CONNECTIONS} connections, open loop, ${WARMUP_SECONDS} s warm-up then ${LATENCY_SECONDS} s per route and rate; decisions then applications at each rate"
    echo "- whole run: ${elapsed} s"
    echo "- stand-in peak RSS (it keeps every request): ${STANDIN_RSS[*]}"
    echo
    echo "Latency in ms, from each request's scheduled send time. CPU µs: per answered request, user +"
    echo "system, of the service, the stand-in and loadgen."
    echo
    echo "| stand-in delay ms | rate/s | route | achieved/s | p50 | p90 | p99 | max | errors | service µs | stand-in µs | loadgen µs |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "Applications − decisions: latency in ms; CPU in µs per request (service alone, and service +"
    echo "stand-in). Mean fetch: the service's own signals_fetch_duration metric (sum / count) over the"
    echo "applications run: the part of an application spent getting the signals; slow fetches: how"
    echo "many took longer than the bound shown (the histogram's first at least 10 ms past the delay)."
    echo
    echo "| stand-in delay ms | rate/s | Δ p50 | Δ p99 | mean fetch ms | slow fetches | Δ service µs | Δ service + stand-in µs | application decisions |"
    echo "|---|---|---|---|---|---|---|---|---|"
    printf '%s\n' "${DIFFS[@]}"
} >"$OUT/applications.md"
cat "$OUT/applications.md"
if [[ -n $ERRORS_SEEN ]]; then
    echo "some requests failed: see above" >&2
    exit 1
fi
