#!/usr/bin/env bash
# Optional system tools for tests that skip without them: promtool (from Debian's prometheus
# package) validates the rules file that `heapsight alert-rules` writes. Quick when already
# installed, skipped when not root or without apt-get; never installs anything else.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-optional-tools: not root or no apt-get; promtool tests will skip"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# --no-install-recommends keeps it to the server/promtool binaries; the service is not started
# in containers without an init system.
apt-get install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null 2>&1 && echo "install-optional-tools: promtool installed"
