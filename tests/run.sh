#!/usr/bin/env bash
# Runs the Bats suites and closes with one "N passed, N failed" line, which CI reads.
set -euo pipefail

tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
status=0
bats --tap "${@:-tests}" | tee "$tap" || status=$?
passed=$(grep -c '^ok ' "$tap" || true)
failed=$(grep -c '^not ok ' "$tap" || true)
echo "bats: $passed passed, $failed failed"
if [[ $status -eq 0 && $passed -eq 0 ]]; then
	echo "bats: no test ran" >&2
	exit 1
fi
exit "$status"
