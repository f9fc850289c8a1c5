#!/usr/bin/env bash
# Runs the fuzz targets that make built into BUILD (tests/fuzz/README.md):
#
#   run.sh fuzz SECONDS BUILD TARGET...   (make fuzz) each TARGET for SECONDS, from its seeds,
#       its regressions and what earlier runs found (BUILD/corpus/TARGET, where new inputs
#       go), with tests/fuzz/TARGET.dict if there is one; a crash is saved in BUILD/crashes/
#   run.sh regress BUILD TARGET...        (make fuzz-regress) each TARGET once over its seeds
#       and its regressions
#
# One line per target: how far it got, or FAILED after the last 40 lines of its log
# (BUILD/TARGET.log, BUILD/TARGET.regress.log). Exits 1 if any target failed, 64 on bad usage.
set -euo pipefail

# The seeds, dictionaries and regressions, beside this script.
fuzz_dir=$(dirname "${BASH_SOURCE[0]}")

usage() {
	echo "usage: $0 fuzz SECONDS BUILD TARGET... | $0 regress BUILD TARGET..." >&2
	exit 64
}

# inputs TARGET: its seed corpus and its regressions, the folders of them that exist.
inputs() {
	local dir
	for dir in "$fuzz_dir/corpus/$1" "$fuzz_dir/regressions/$1"; do
		if [[ -d $dir ]]; then
			printf '%s\n' "$dir"
		fi
	done
}

# fuzz SECONDS BUILD TARGET...
fuzz() {
	local seconds=$1 build=$2 target status=0
	local -a dict dirs
	shift 2
	mkdir -p "$build/crashes"
	for target; do
		mkdir -p "$build/corpus/$target"
		dict=()
		if [[ -f $fuzz_dir/$target.dict ]]; then
			dict=("-dict=$fuzz_dir/$target.dict")
		fi
		mapfile -t dirs < <(inputs "$target")
		if "$build/$target" -max_total_time="$seconds" -timeout=30 "${dict[@]}" \
			-artifact_prefix="$build/crashes/$target-" \
			"$build/corpus/$target" "${dirs[@]}" >"$build/$target.log" 2>&1; then
			echo "fuzz: $target: $(grep -a '^#[0-9]' "$build/$target.log" | tail -1 || true)"
		else
			status=1
			tail -40 "$build/$target.log"
			echo "fuzz: $target: FAILED, log in $build/$target.log, input in $build/crashes/"
		fi
	done
	return "$status"
}

# regress BUILD TARGET...
regress() {
	local build=$1 target status=0
	local -a dirs
	shift
	for target; do
		mapfile -t dirs < <(inputs "$target")
		if "$build/$target" -runs=0 "${dirs[@]}" >"$build/$target.regress.log" 2>&1; then
			echo "fuzz-regress: $target: ok"
		else
			status=1
			tail -40 "$build/$target.regress.log"
			echo "fuzz-regress: $target: FAILED"
		fi
	done
	return "$status"
}

case ${1:-} in
fuzz) (($# >= 3)) || usage; shift; fuzz "$@" ;;
regress) (($# >= 2)) || usage; shift; regress "$@" ;;
*) usage ;;
esac
