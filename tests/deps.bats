#!/usr/bin/env bats
# tests/deps.sh: installs what is missing, or says exactly how when it cannot.

load test_helper

# A PATH where dpkg-query says bats is missing, id says we are not root, and sudo
# needs a password, so deps.sh must print the command rather than run it.
stub_unprivileged_machine() {
	stubs="$BATS_TEST_TMPDIR/stubs"
	mkdir -p "$stubs"
	cat >"$stubs/dpkg-query" <<-'STUB'
		#!/bin/sh
		for last; do :; done
		[ "$last" = bats ] && exit 1
		printf 'install ok installed'
	STUB
	printf '#!/bin/sh\necho 1000\n' >"$stubs/id"
	printf '#!/bin/sh\nexit 1\n' >"$stubs/sudo"
	printf '#!/bin/sh\necho "apt-get must not run" >&2; exit 99\n' >"$stubs/apt-get"
	chmod +x "$stubs"/*
}

@test "deps.sh succeeds quietly when everything is installed" {
	run bash "$PROJECT_ROOT/tests/deps.sh"
	assert_success
	assert_output ""
}

@test "without root or sudo, deps.sh prints the exact install command and fails" {
	stub_unprivileged_machine
	PATH="$stubs:$PATH" run bash "$PROJECT_ROOT/tests/deps.sh"
	assert_failure 1
	assert_output --partial "missing packages: bats"
	assert_output --partial "sudo apt-get install -y --no-install-recommends bats"
	refute_output --partial "must not run"
}

# A PATH where dpkg-query says every package is missing, and nobody may install them.
stub_bare_machine() {
	stub_unprivileged_machine
	printf '#!/bin/sh\nexit 1\n' >"$stubs/dpkg-query"
}

# missing_packages: the packages the "missing packages:" line in $output names, one per line.
missing_packages() {
	printf '%s\n' "$output" | sed -n 's/^deps: missing packages: //p' | tr ' ' '\n'
}

# make_with_nothing_installed TARGET: make TARGET in a copy of what it reads, on a machine where
# every package is missing and nobody may install them, so tests/deps.sh says what it wants.
make_with_nothing_installed() {
	local project="$BATS_TEST_TMPDIR/project"
	mkdir -p "$project/tests" "$project/pipelines"
	cp "$PROJECT_ROOT/Makefile" "$project/"
	cp "$PROJECT_ROOT/tests/deps.sh" "$project/tests/"
	cp "$PROJECT_ROOT/pipelines/VERSION" "$project/pipelines/"
	stub_bare_machine
	PATH="$stubs:$PATH" run make -C "$project" --no-print-directory "$1"
	assert_failure
	refute_output --partial "must not run"
}

@test "make demo asks only for what the build and the demo need: no clang, valgrind or PostgreSQL server" {
	local package
	make_with_nothing_installed demo
	run missing_packages
	for package in libcurl4-openssl-dev libjansson-dev libsqlite3-dev libpq-dev jq sqlite3 gnuplot-nox; do
		assert_line "$package"
	done
	refute_output --partial clang
	refute_output --partial valgrind
	refute_output --partial postgresql
	refute_output --partial bats
}

@test "make deps still asks for everything the suites use, the demo's packages included" {
	local package
	make_with_nothing_installed deps
	run missing_packages
	for package in clang valgrind postgresql parallel bats shellcheck libclang-rt-14-dev jq gnuplot-nox libpq-dev; do
		assert_line "$package"
	done
}

@test "deps.sh demo succeeds quietly when everything is installed; an unknown set is a usage error" {
	run bash "$PROJECT_ROOT/tests/deps.sh" demo
	assert_success
	assert_output ""
	run bash "$PROJECT_ROOT/tests/deps.sh" everything
	assert_failure 64
}
