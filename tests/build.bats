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
	run shellcheck -x -s bash "$PROJECT_ROOT"/tests/*.bash "$PROJECT_ROOT"/tests/*.sh "$PROJECT_ROOT"/pipelines/*.sh "$PROJECT_ROOT"/pipelines/*.bash
	assert_success
	for script in "$PROJECT_ROOT"/pipelines/*.sh; do
		grep -q '^set -euo pipefail$' "$script" || fail "$script: no set -euo pipefail"
		run --separate-stderr bash "$script" --help
		assert_success
		assert_output --partial usage:
	done
}
