#!/usr/bin/env bash
# Validates the Prometheus setup in deploy/prometheus: the config (and the rule files it
# loads), the alert rules, and their unit tests. CI runs it; needs `promtool` on PATH
# (Debian: apt-get install prometheus; or the binary from a Prometheus release).
set -euo pipefail

cd "$(dirname "$0")"
if ! command -v promtool >/dev/null 2>&1; then
  echo "check.sh: promtool not found on PATH" >&2
  exit 1
fi
promtool check config prometheus.yml
promtool check rules rules/*.yml
promtool test rules tests/*.yml
