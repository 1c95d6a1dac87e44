#!/usr/bin/env bash
# Optional system tools for tests that skip without them (Debian packages):
# - promtool (prometheus) validates the rules file that `heapsight alert-rules` writes;
# - haproxy health-checks `heapsight run --no-balancer`'s /ready/N endpoint;
# - chromium opens the HTML reports headless (tests/test_report_browser.py) and takes the
#   screenshots in docs/report.md.
# Quick when already installed, skipped when not root or without apt-get; never installs
# anything else.
set -euo pipefail
wanted=()
command -v promtool >/dev/null 2>&1 || wanted+=(prometheus)
command -v haproxy >/dev/null 2>&1 || wanted+=(haproxy)
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
  || wanted+=(chromium)
if [ "${#wanted[@]}" = "0" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-optional-tools: not root or no apt-get; tests needing ${wanted[*]} will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# --no-install-recommends keeps it to the binaries; no service is started in containers
# without an init system.
for package in "${wanted[@]}"; do
  apt-get install -y -qq --no-install-recommends "$package" >/dev/null \
    && echo "install-optional-tools: $package installed" \
    || echo "install-optional-tools: could not install $package; its tests will skip"
done
exit 0
