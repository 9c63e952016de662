#!/usr/bin/env bash
# The crate boundaries ARCHITECTURE.md promises, checked on the real dependency trees (normal
# and build dependencies, this platform): each row names a package and the crates that must not
# be in its tree. A boundary that only a document states drifts; this one fails CI instead.
#
#   .ci/boundaries.sh            check every row; exit 1 naming each package and what it pulls in
#
# Why each row holds is in ARCHITECTURE.md ("API boundaries").
set -euo pipefail
cd "$(dirname "$0")/.."

# package | forbidden crates (a regular expression over crate names)
rows=(
    # The payload's rules without the policy layer: the provider client needs the parser only.
    "underwrite-signals|rhai|rhai_codegen|serde_yaml|saphyr|saphyr-parser|underwrite-core|underwrite-kyc|tokio"
    "underwrite-signals-client|rhai|rhai_codegen|serde_yaml|saphyr|saphyr-parser|underwrite-core"
    # KYC matching is usable alone: no policy layer, no payload parser.
    "underwrite-kyc|rhai|serde_yaml|underwrite-core|underwrite-signals|tokio"
    # The libraries compute; they hold no HTTP stack and no runtime.
    "underwrite-core|tokio|axum|hyper|reqwest"
    "underwrite-analysis|tokio|axum|hyper|reqwest|underwrite-log|underwrite-service"
    "underwrite-arrow|tokio|axum|hyper|reqwest|pyo3"
    # The decision log is read by `replay` without the service: no HTTP stack in its tree.
    "underwrite-log|axum|hyper|tower|tower-http|reqwest|underwrite-service|underwrite-signals-client|underwrite-analysis"
)

failed=0
for row in "${rows[@]}"; do
    package=${row%%|*}
    forbidden="^(${row#*|}) "
    tree="$(cargo tree -p "$package" -e normal,build --prefix none --format '{p}')"
    if found="$(grep -E "$forbidden" <<<"$tree" | sort -u)"; then
        echo "$package depends on what it must not:" >&2
        sed 's/^/    /' <<<"$found" >&2
        failed=1
    else
        echo "$package: none of ${row#*|}"
    fi
done
exit "$failed"
