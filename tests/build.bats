#!/usr/bin/env bats
# The build: warning-free under gcc and clang with -Wall -Wextra -Werror.

load test_helper

build_with() {
	local cc=$1 out="$BATS_TEST_TMPDIR/$1"
	run make -C "$PROJECT_ROOT" --no-print-directory CC="$cc" BUILD="$out/build" BIN="$out/bin" all
	assert_success
	refute_output --partial "warning:"
	[ -x "$out/bin/tmdb-fetch" ]
	run "$out/bin/tmdb-fetch" --version
	assert_success
}

@test "make CC=gcc builds warning-free" {
	build_with gcc
}

@test "make CC=clang builds warning-free" {
	build_with clang
}

@test "CFLAGS from the command line add to the required flags, not replace them" {
	run make -C "$PROJECT_ROOT" --no-print-directory -n CFLAGS=-O0 BUILD="$BATS_TEST_TMPDIR/b" BIN="$BATS_TEST_TMPDIR/bin" all
	assert_success
	assert_output --partial "-O0"
	assert_output --partial "-Werror"
}

@test "the shell scripts are shellcheck-clean, and every pipeline has --help" {
	run shellcheck -x -s bash "$PROJECT_ROOT"/tests/*.bash "$PROJECT_ROOT"/tests/*.sh "$PROJECT_ROOT"/tests/fuzz/*.sh \
		"$PROJECT_ROOT"/pipelines/*.sh "$PROJECT_ROOT"/pipelines/*.bash
	assert_success
	for script in "$PROJECT_ROOT"/pipelines/*.sh; do
		grep -q '^set -euo pipefail$' "$script" || fail "$script: no set -euo pipefail"
		run --separate-stderr bash "$script" --help
		assert_success
		assert_output --partial usage:
	done
}

# scratch_copy DIR: what the build reads (cmd/, lib/, pipelines/VERSION, the Makefile) copied
# into DIR, so a test can touch its files without touching the checkout's.
scratch_copy() {
	mkdir -p "$1/pipelines"
	cp -r "$PROJECT_ROOT"/{cmd,lib,Makefile} "$1"/
	cp "$PROJECT_ROOT/pipelines/VERSION" "$1/pipelines/"
}

# users_of HEADER: the .c files of lib/ and cmd/ (run in the project) that include lib/HEADER,
# directly or through other headers, one per line, sorted.
users_of() {
	local -a headers=("$1") patterns
	local header grown=1
	while ((grown)); do
		grown=0
		patterns=()
		for header in "${headers[@]}"; do
			patterns+=(-e "#include \"$header\"")
		done
		for header in lib/*.h; do
			[[ " ${headers[*]} " == *" ${header#lib/} "* ]] && continue
			if grep -qF "${patterns[@]}" "$header"; then
				headers+=("${header#lib/}")
				grown=1
			fi
		done
	done
	grep -lF "${patterns[@]}" lib/*.c cmd/*.c | sort
}

# compiled: the sources the make -n output in $output compiles, one per line, sorted.
compiled() {
	printf '%s\n' "$output" | awk '/ -c -o / { print $NF }' | sort
}

@test "touching a header rebuilds only the objects whose sources include it" {
	local scratch="$BATS_TEST_TMPDIR/project" header users
	scratch_copy "$scratch"
	cd "$scratch"
	run make --no-print-directory -j2 all
	assert_success
	run make --no-print-directory -n all
	assert_success
	assert_equal "$(compiled)" ""
	for header in strmap.h regfile.h; do
		[[ -f lib/$header ]] || fail "lib/$header is gone: pick another header for this test"
		users=$(users_of "$header")
		[[ -n $users ]] || fail "nothing includes lib/$header"
		(($(wc -l <<<"$users") < $(printf '%s\n' lib/*.c cmd/*.c | wc -l))) ||
			fail "every source includes lib/$header: pick another header for this test"
		touch "lib/$header"
		run make --no-print-directory -n all
		assert_success
		assert_equal "$(compiled)" "$users"
		run make --no-print-directory all
		assert_success
		assert_equal "$(compiled)" "$users"
	done
}

@test "a header that is no longer included can be deleted without breaking the build" {
	local scratch="$BATS_TEST_TMPDIR/project"
	scratch_copy "$scratch"
	cd "$scratch"
	printf '#define PROBE 1\n' >lib/probe.h
	sed -i '1i #include "probe.h"' lib/strmap.c
	run make --no-print-directory build/lib/strmap.o
	assert_success
	sed -i '1d' lib/strmap.c
	rm lib/probe.h
	run make --no-print-directory build/lib/strmap.o
	assert_success
	assert_equal "$(compiled)" lib/strmap.c
}

@test "the sanitizer build writes and reads dependency files as the plain build does" {
	local scratch="$BATS_TEST_TMPDIR/project"
	scratch_copy "$scratch"
	cd "$scratch"
	# -n: the recursive make of test-sanitize runs and prints its compile commands, deps.sh
	# and the suites are only printed.
	run make --no-print-directory -n test-sanitize
	assert_success
	assert_output --partial "-fsanitize=address,undefined"
	assert_line --regexp ' -MMD -MP( .*)? -c -o build/sanitize/lib/strmap\.o lib/strmap\.c$'
}

@test "tests/fuzz/run.sh (make fuzz, make fuzz-regress): a line per target, a failure's log tail, exit 1" {
	local build="$BATS_TEST_TMPDIR/fuzz"
	mkdir -p "$build"
	# Stand-ins for two built targets: one crashes, one finishes as libFuzzer does.
	printf '#!/bin/sh\necho "==1==ERROR: crash $*"\nexit 1\n' >"$build/mask"
	printf '#!/bin/sh\necho "#42\tDONE $*"\n' >"$build/csv"
	chmod +x "$build/mask" "$build/csv"
	cd "$PROJECT_ROOT"
	run bash tests/fuzz/run.sh regress "$build" mask csv
	assert_failure 1
	assert_line --index 0 --partial "==1==ERROR: crash -runs=0 tests/fuzz/corpus/mask"
	assert_line --index 1 "fuzz-regress: mask: FAILED"
	assert_line --index 2 "fuzz-regress: csv: ok"
	run bash tests/fuzz/run.sh regress "$build" csv
	assert_success
	assert_output "fuzz-regress: csv: ok"
	run bash tests/fuzz/run.sh fuzz 7 "$build" csv mask
	assert_failure 1
	assert_line --index 0 --partial "fuzz: csv: #42	DONE -max_total_time=7 -timeout=30 -dict=tests/fuzz/csv.dict -artifact_prefix=$build/crashes/csv- $build/corpus/csv tests/fuzz/corpus/csv"
	assert_line --index 1 --partial "==1==ERROR: crash -max_total_time=7"
	assert_line --index 2 "fuzz: mask: FAILED, log in $build/mask.log, input in $build/crashes/"
	[[ -d $build/corpus/csv && -d $build/crashes ]]
	run bash tests/fuzz/run.sh
	assert_failure 64
}
