#!/usr/bin/env bash
# Install Debian's chromium (and a font to draw text with) for the HTML report's browser test,
# tests/test_report_html.py. Idempotent and quiet: nothing to do when /usr/bin/chromium is there;
# otherwise needs root or password-less sudo. apt's output is shown only when it fails.
set -euo pipefail

[ -x /usr/bin/chromium ] && exit 0

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo -n)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
export DEBIAN_FRONTEND=noninteractive
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "install_chromium.sh: could not install chromium" >&2
    exit 1
fi
