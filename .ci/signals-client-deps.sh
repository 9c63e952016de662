#!/usr/bin/env bash
# The provider client needs the payload parser, not the policy layer: its dependency tree
# (normal and build dependencies, on this platform) must hold no Rhai, no YAML parser and no
# underwrite-core. `underwrite-signals` exists so that this holds (see its crate doc).
#
#   .ci/signals-client-deps.sh [PACKAGE]    PACKAGE defaults to underwrite-signals-client
#
# Exit status 1, naming the crates, when one is there. (Try `underwrite-core` as PACKAGE to see
# it fail.)
set -euo pipefail
cd "$(dirname "$0")/.."
package="${1:-underwrite-signals-client}"
forbidden='^(rhai|rhai_codegen|serde_yaml|saphyr|saphyr-parser|underwrite-core) '
tree="$(cargo tree -p "$package" -e normal,build --prefix none --format '{p}')"
if found="$(grep -E "$forbidden" <<<"$tree" | sort -u)"; then
    echo "$package depends on what it must not (the policy layer):" >&2
    echo "$found" >&2
    exit 1
fi
echo "$package: no rhai, serde_yaml, saphyr or underwrite-core among its dependencies"
