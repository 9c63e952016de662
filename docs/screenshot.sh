#!/bin/sh
# Screenshot of an HTML report with headless Chromium, for the docs:
#
#   docs/screenshot.sh report.html report.png [HEIGHT]
#
# The window is 1280 wide and HEIGHT tall (default 3200; the report is one long page, so make
# it tall enough to hold the whole of it). The page fetches nothing, so no network is needed.
set -eu

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: $0 HTML PNG [HEIGHT]" >&2
    exit 2
fi
html=$1
png=$2
height=${3:-3200}

if [ ! -f "$html" ]; then
    echo "$0: no such file: $html" >&2
    exit 1
fi

browser=
for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then
        browser=$(command -v "$name")
        break
    fi
done
if [ -z "$browser" ]; then
    echo "$0: no chromium or chromium-browser on PATH" >&2
    exit 1
fi

# Chromium wants absolute paths for both the page and the picture.
abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$(pwd)" "$1" ;; esac; }
html_abs=$(abs "$html")
png_abs=$(abs "$png")
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT INT TERM

timeout 60 "$browser" --headless=new --no-sandbox --disable-gpu --no-first-run \
    --disable-extensions --hide-scrollbars --user-data-dir="$profile" \
    --window-size=1280,"$height" --screenshot="$png_abs" "file://$html_abs" \
    >/dev/null 2>&1
if [ ! -s "$png_abs" ]; then
    echo "$0: chromium wrote no screenshot to $png_abs" >&2
    exit 1
fi
echo "$png_abs"
