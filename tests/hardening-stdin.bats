#!/usr/bin/env bats
# Standard input closed (`<&-`): every program that would read it says so in one line and
# exits 66, rather than reading whatever descriptor took its place (libcurl's wake-up
# socket in tmdb-fetch, the database file in tmdb-load) or a bare "Bad file descriptor".

load test_helper

# closed_stdin PROGRAM ARGS...: runs it with descriptor 0 closed; 66 and one line expected.
# Closed in the child itself: `run CMD <&-` would let bash's own output pipe take
# descriptor 0, and the program would wait on it. timeout: a failing program may wait too.
closed_stdin() {
	run -66 --separate-stderr timeout 10 bash -c 'exec "$@" <&-' closed_stdin "$@"
	[ "$stderr" = "$1: standard input: closed" ] || fail "$*: $stderr"
}

@test "tmdb-fetch person and movie, with no IDs and standard input closed, exit 66" {
	export TMDB_API_KEY=any-key	# gets past the credential check; nothing is fetched
	closed_stdin tmdb-fetch movie
	closed_stdin tmdb-fetch person
}

@test "tmdb-director, tmdb-shape and tmdb-load with standard input closed exit 66" {
	closed_stdin tmdb-director
	closed_stdin tmdb-shape movies
	closed_stdin tmdb-shape --all
	closed_stdin tmdb-load sqlite "$BATS_TEST_TMPDIR/w.db" movies
	closed_stdin tmdb-load csv "$BATS_TEST_TMPDIR/csv" movies
}

@test "a closed standard input is no error when nothing reads it" {
	run --separate-stderr timeout 10 bash -c 'exec tmdb-shape --schema <&-'
	assert_success
	[[ ${lines[0]} == '{"type":"SCHEMA","stream":"movies",'* ]] || fail "no schema: $output"
	printf '{"id": 525, "cast": [], "crew": [{"id": 155, "job": "Director"}, {"id": 1, "job": "Writer"}]}\n' \
		>"$BATS_TEST_TMPDIR/in.jsonl"
	# shellcheck disable=SC2016 # $1 is the inner shell's
	run --separate-stderr timeout 10 bash -c 'exec tmdb-director "$1" <&-' _ "$BATS_TEST_TMPDIR/in.jsonl"
	assert_success
	assert_output '{"id":155,"job":"Director"}'
}
