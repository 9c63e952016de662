#!/usr/bin/env bash
# A real third-party client against the decision service: schemathesis (PyPI, pinned, in a fresh
# venv) generates requests from GET /openapi.json for every operation, valid and invalid, and
# runs all its checks on the answers (its default; the exclusions below are the only ones),
# with the custom checks of .ci/schemathesis_hooks.py; the run must end with 0 failures.
#
# The service runs on 127.0.0.1 (an ephemeral port) with the shipped policy (rules/starter.yaml)
# and a decision log in a temp dir; POST /v1/applications calls the stand-in provider
# (signals-standin) on loopback. Two runs, because the document states each operation's
# security as the service runs: without tokens (the decision routes open, the admin route
# refused), then with decision and admin tokens (every auth check applies).
#
# Usage: .ci/schemathesis.sh        (reuses target/debug/{underwrite,signals-standin}; builds
#                                    them in debug if missing)
# Env:   SCHEMATHESIS_EXAMPLES (examples per operation and phase, default 25),
#        SCHEMATHESIS_SEED (the generator's seed, fixed by default so a run can be replayed)
#
# Exclusions, each with its reason (the hooks in .ci/schemathesis_hooks.py stand in for them):
#   * check positive_data_acceptance: replaced by positive_data_acceptance_or_policy_refusal,
#     the same check except that a 422 `rule-failed` (the live policy refused to decide a body it
#     read: the starter policy cannot decide a SUCCESS payload without the counts it reads) is
#     not a schema-valid body refused.
#   * check negative_data_rejection on POST /v1/decisions/batch only: a line that is not an
#     application is by design an error line in a 200 answer (a bad line costs only itself);
#     replaced by batch_line_is_the_single_route_s_verdict (such a line must be an error line,
#     with the message POST /v1/decisions gives for the same body).
#   * check object_level_authorization: not applicable (no resource belongs to a user, so
#     there is nothing for a second identity to read); it needs peers under [auth.wfc] to run.
#   * positive cases only: the values the document states in words because JSON Schema cannot
#     (signal values by catalog kind, distinct signal names, a country libphonenumber knows, a
#     KYC result that agrees with itself, a valid applicant phone, a UTC consentedAt) are drawn
#     valid by the map_case hook.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

VERSION=4.32.5
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}
UNDERWRITE=$root/target/debug/underwrite
STANDIN=$root/target/debug/signals-standin
DECIDE_TOKEN=schemathesis-decision-token-0123456789
ADMIN_TOKEN=schemathesis-admin-token-0123456789ab

[ -x "$UNDERWRITE" ] || cargo build -q -p underwrite-cli
[ -x "$STANDIN" ] || cargo build -q -p underwrite-signals-standin

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
st=$work/venv/bin/st

# Wait until FILE has a line matching PATTERN; print the first match's capture.
wait_for() {
    local file=$1 pattern=$2
    for _ in $(seq 1 200); do
        if line=$(sed -n "$pattern" "$file" | head -n 1) && [ -n "$line" ]; then
            printf '%s\n' "$line"
            return 0
        fi
        sleep 0.05
    done
    echo "timed out waiting for $file" >&2
    cat "$file" >&2
    return 1
}

"$STANDIN" --listen 127.0.0.1:0 >"$work/standin.out" 2>"$work/standin.err" &
pids+=($!)
provider=$(wait_for "$work/standin.out" 's/^listening //p')

failed=0
run() {
    local mode=$1
    shift
    rm -rf "$work/log-$mode"
    UNDERWRITE_SIGNALS_KEY=standin-key UNDERWRITE_SIGNALS_SECRET=standin-secret "$@" \
        "$UNDERWRITE" serve --policy rules/starter.yaml --listen 127.0.0.1:0 \
        --decision-log "$work/log-$mode" --signals-base-url "$provider" --signals-country PH \
        >"$work/serve-$mode.out" 2>"$work/serve-$mode.err" &
    local pid=$!
    pids+=("$pid")
    local addr
    addr=$(wait_for "$work/serve-$mode.err" 's/.*listening addr=\([0-9.:]*\).*/\1/p')
    for _ in $(seq 1 100); do
        curl -fsS "http://$addr/healthz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    # Every check is on unless listed here (schemathesis enables all by default; a check
    # disabled for one operation only works from the configuration, which --checks would
    # override).
    cat >"$work/schemathesis-$mode.toml" <<TOML
[checks]
positive_data_acceptance.enabled = false

[[operations]]
include-path = "/v1/decisions/batch"
checks.negative_data_rejection.enabled = false
TOML
    local auth=()
    if [ "$mode" = tokens ]; then auth=(-H "Authorization: Bearer $ADMIN_TOKEN"); fi
    echo "--- schemathesis $VERSION, service with $mode, $EXAMPLES examples per operation"
    # Run from the temp dir: schemathesis keeps its caches in the working directory.
    if ! (cd "$work" && SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$root/.ci" \
        "$st" --config-file "$work/schemathesis-$mode.toml" run "http://$addr/openapi.json" \
        --max-examples "$EXAMPLES" --seed "${SCHEMATHESIS_SEED:-20261207}" --workers 2 --no-color \
        --request-timeout 30 --generation-database none "${auth[@]}"); then
        failed=1
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

run open env
run tokens env UNDERWRITE_TOKENS=$DECIDE_TOKEN UNDERWRITE_ADMIN_TOKENS=$ADMIN_TOKEN

if [ "$failed" -ne 0 ]; then
    echo "schemathesis found failures (above)" >&2
    exit 1
fi
echo "schemathesis: 0 failures"
