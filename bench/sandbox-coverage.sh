#!/bin/sh
# Prints how many of this machine's systemd units (/lib/systemd/system,
# /usr/lib/systemd/system) usherd loads with every key, and every protection,
# enforced: the figure README's "Sandboxing" section reports.
set -e
cd "$(dirname "$0")/.."
swift test --filter SandboxCoverageTests 2>&1 | grep '^SandboxCoverage:'
