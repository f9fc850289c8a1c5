#!/usr/bin/env bash
# usage: tests/mutants.sh [-p PROGRAM]... [-k fail|empty]... [SUITE]...
#
# Does every test that runs a program depend on it? For each program (tmdb-fetch,
# tmdb-director, tmdb-shape, tmdb-load, or those given with -p) and each kind of stand-in
# (-k: "fail" exits 1, "empty" exits 0 and prints nothing), this builds a folder holding the
# stand-in for that program and the real build of the others, runs the suites against it
# through TMDB_BIN (the suites put it first on PATH; the pipelines prefer it to bin/), and
# fails listing every test that still passed although it ran the stand-in. A stand-in logs
# the suite and the number of the test that ran it, so a test that never ran it (or a
# setup_file that did) does not count.
#
# SUITE is a name (readme) or a path (tests/readme.bats); without any, each program gets the
# suites that name it or a pipeline that runs it, less those that do not run the programs
# from TMDB_BIN (build, deps, demo, fuzz, install). tests/mutants.allow lists the tests that
# may pass against a stand-in, each with its reason.
#
# Environment: TMDB_BIN, the real programs (default bin/); MUTANTS_TIMEOUT, seconds a suite
# may take against one stand-in (default 900); MUTANTS_KEEP=1 keeps the work folder.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
real_bin=$(cd "${TMDB_BIN:-$root/bin}" && pwd)
allow_file=$root/tests/mutants.allow
all_programs=(tmdb-fetch tmdb-director tmdb-shape tmdb-load)
# Suites that build or install their own programs: a stand-in in TMDB_BIN never reaches them.
not_from_tmdb_bin=' build deps demo fuzz install '
# What names a program's use in a suite besides its own name: the pipelines run all four,
# docs.bats runs every program in cmd/.
# shellcheck disable=SC2016 # a pattern, not an expansion
runs_every_program='debug\.sh|deploy\.sh|sync\.bash|sync_once|tmdb-debug|tmdb-deploy|\$DEBUG|\$DEPLOY|PROJECT_ROOT/cmd"'

usage() {
	sed -n '2,3s/^# //p' "${BASH_SOURCE[0]}" >&2
	exit 64
}

programs=() kinds=()
while getopts 'p:k:h' opt; do
	case $opt in
	p) [[ " ${all_programs[*]} " == *" $OPTARG "* ]] || { echo "mutants: -p $OPTARG: not a program" >&2; exit 64; }
		programs+=("$OPTARG") ;;
	k) [[ $OPTARG == fail || $OPTARG == empty ]] || { echo "mutants: -k $OPTARG: fail or empty" >&2; exit 64; }
		kinds+=("$OPTARG") ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
((${#programs[@]})) || programs=("${all_programs[@]}")
((${#kinds[@]})) || kinds=(fail empty)

given_suites=()
for suite in "$@"; do
	[[ $suite == */* || $suite == *.bats ]] || suite=$root/tests/$suite.bats
	[[ -f $suite ]] || { echo "mutants: $suite: no such suite" >&2; exit 66; }
	given_suites+=("$(cd "$(dirname "$suite")" && pwd)/$(basename "$suite")")
done

for program in "${all_programs[@]}"; do
	[[ -x $real_bin/$program ]] || { echo "mutants: $real_bin/$program: not built (make all)" >&2; exit 66; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mutants.XXXXXX")
if [[ ${MUTANTS_KEEP:-} == 1 ]]; then
	echo "mutants: the stand-ins, their calls and the suites' TAP are kept in $work"
else
	trap 'rm -rf "$work"' EXIT
fi

# suites_for PROGRAM: the suites given, or those that run PROGRAM.
suites_for() {
	local suite name
	if ((${#given_suites[@]})); then
		printf '%s\n' "${given_suites[@]}"
		return
	fi
	for suite in "$root"/tests/*.bats; do
		name=$(basename "$suite" .bats)
		[[ $not_from_tmdb_bin == *" $name "* ]] && continue
		grep -qE -- "$1|$runs_every_program" "$suite" && echo "$suite"
	done
}

# make_stand_ins DIR PROGRAM KIND: DIR holds the real programs but PROGRAM, which is a
# script that logs who ran it (to DIR/calls, which survives env -i) and fails or prints nothing.
make_stand_ins() {
	local dir=$1 program=$2 kind=$3 other status
	mkdir -p "$dir"
	for other in "${all_programs[@]}"; do
		[[ $other == "$program" ]] || ln -s "$real_bin/$other" "$dir/$other"
	done
	status=1
	[[ $kind == empty ]] && status=0
	cat >"$dir/$program" <<-EOF
		#!/bin/sh
		# mutants.sh: $program replaced by a stand-in that $kind: exit $status, no output.
		printf '%s\t%s\n' "\${BATS_TEST_FILENAME##*/}" "\${BATS_TEST_NUMBER:-}" >>"$dir/calls"
		exit $status
	EOF
	chmod +x "$dir/$program"
	: >"$dir/calls"
}

# allowed PROGRAM KIND "SUITE:NAME": listed in tests/mutants.allow, for every stand-in or
# (with a PROGRAM or PROGRAM/KIND in front) for this one.
allowed() {
	local line scope
	[[ -f $allow_file ]] || return 1
	while IFS= read -r line; do
		[[ -z $line || $line == '#'* ]] && continue
		scope=''
		if [[ ${line%% *} != *:* ]]; then
			scope=${line%% *} line=${line#* }
		fi
		[[ $line == "$3" ]] || continue
		[[ -z $scope || $scope == "$1" || $scope == "$1/$2" ]] && return 0
	done <"$allow_file"
	return 1
}

survivors=() hung=()
for program in "${programs[@]}"; do
	mapfile -t suites < <(suites_for "$program")
	for kind in "${kinds[@]}"; do
		dir=$work/$program-$kind
		make_stand_ins "$dir" "$program" "$kind"
		ran=0 passed=0
		for suite in "${suites[@]}"; do
			name=$(basename "$suite")
			tap=$dir/${name%.bats}.tap
			rc=0
			(cd "$root" && TMDB_BIN=$dir timeout "${MUTANTS_TIMEOUT:-900}" bats --tap "$suite" >"$tap" 2>&1) || rc=$?
			if ((rc == 124)); then
				hung+=("$program/$kind $name: timed out after ${MUTANTS_TIMEOUT:-900} s")
			fi
			# The tests that ran the stand-in, then those of them that passed.
			mapfile -t numbers < <(awk -F '\t' -v s="$name" '$1 == s && $2 != "" { print $2 }' "$dir/calls" | sort -un)
			ran=$((ran + ${#numbers[@]}))
			for number in "${numbers[@]}"; do
				test=$(sed -n "s/^ok $number \(.*\)$/\1/p" "$tap")
				[[ -n $test && $test != *'# skip'* ]] || continue
				passed=$((passed + 1))
				allowed "$program" "$kind" "$name:$test" ||
					survivors+=("$program/$kind $name:$test")
			done
		done
		echo "mutants: $program/$kind: ${#suites[@]} suites, $ran tests ran the stand-in, $passed of them passed"
	done
done

for line in "${hung[@]}"; do
	echo "mutants: HUNG $line" >&2
done
for line in "${survivors[@]}"; do
	echo "mutants: SURVIVED $line" >&2
done
if ((${#survivors[@]} + ${#hung[@]})); then
	echo "mutants: ${#survivors[@]} tests passed against a broken program, ${#hung[@]} suites hung" \
		"(tests/mutants.allow lists those that may pass)" >&2
	exit 1
fi
