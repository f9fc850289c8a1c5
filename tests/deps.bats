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
