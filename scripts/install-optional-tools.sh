#!/usr/bin/env bash
# Optional system tools for tests that skip without them: promtool (from Debian's prometheus
# package) validates the rules file that `heapsight alert-rules` writes; haproxy health-checks
# `heapsight run --no-balancer`'s /ready/N endpoint. Quick when already installed, skipped when
# not root or without apt-get; never installs anything else.
set -euo pipefail
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
if [ "${#missing[@]}" = "0" ]; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-optional-tools: not root or no apt-get; tests needing ${missing[*]} will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# --no-install-recommends keeps it to the binaries; services are not started in containers
# without an init system.
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || \
  echo "install-optional-tools: could not install ${missing[*]}; their tests will skip"
command -v promtool >/dev/null 2>&1 && echo "install-optional-tools: promtool installed"
command -v haproxy >/dev/null 2>&1 && echo "install-optional-tools: haproxy installed"
exit 0
