#!/usr/bin/env bats
# tmdb-fetch --record and --replay: a recording answers with the server gone.

load test_helper

setup_file() {
	start_fake_tmdb
	export REC="$BATS_FILE_TMPDIR/rec"
	tmdb-fetch --record "$REC" person 525 >"$BATS_FILE_TMPDIR/person.live"
	tmdb-fetch --record "$REC" movie 550 155 999999999 >"$BATS_FILE_TMPDIR/movies.live" 2>"$BATS_FILE_TMPDIR/movies.err"
	tmdb-fetch --record "$REC" search Christopher Nolan >"$BATS_FILE_TMPDIR/search.live"
	stop_fake_tmdb
	# Every test then runs with no server and no credentials.
	unset FAKE_URL TMDB_API_KEY
}

# Stops the server when setup_file failed before it did (stop_fake_tmdb forgets a stopped one).
teardown_file() {
	stop_fake_tmdb
}

@test "the recording mirrors the API paths and holds no credential" {
	[ -f "$REC/person/525/movie_credits/language=en-US.json" ]
	[ -f "$REC/movie/155/reviews/language=en-US&page=4.json" ]
	[ -f "$REC/movie/999999999/append_to_response=credits,reviews&language=en-US.404.json" ]
	run ! grep -rq -- "$FAKE_API_KEY" "$REC"
}

@test "replay with the server stopped and no credentials gives byte-identical output" {
	run --separate-stderr tmdb-fetch --replay "$REC" person 525
	assert_success
	cmp <(printf '%s\n' "$output") "$BATS_FILE_TMPDIR/person.live"
	run --separate-stderr tmdb-fetch --replay "$REC" movie 550 155 999999999
	assert_success
	cmp <(printf '%s\n' "$output") "$BATS_FILE_TMPDIR/movies.live"
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"movie 999999999: not found"* ]]
	run --separate-stderr tmdb-fetch --replay "$REC" search Christopher Nolan
	assert_success
	cmp <(printf '%s\n' "$output") "$BATS_FILE_TMPDIR/search.live"
}

@test "a request the recording lacks is \"not recorded\", exit 66, naming the folder and the request" {
	run -66 --separate-stderr tmdb-fetch --replay "$REC" movie 27205
	[ "$stderr" = "tmdb-fetch: movie 27205: not recorded in $REC: /movie/27205?append_to_response=credits,reviews&language=en-US" ]
	# A later review page missing is the same, named after its page.
	cp -R "$REC" "$BATS_TEST_TMPDIR/rec"
	rm "$BATS_TEST_TMPDIR/rec/movie/155/reviews/language=en-US&page=3.json"
	run -66 --separate-stderr tmdb-fetch --replay "$BATS_TEST_TMPDIR/rec" movie 155
	[[ $stderr == "tmdb-fetch: movie 155: reviews page 3: not recorded in $BATS_TEST_TMPDIR/rec: /movie/155/reviews?"*"page=3"* ]]
	run -66 --separate-stderr tmdb-fetch --replay "$REC" get /movie/27205
	[[ $stderr == "tmdb-fetch: get /movie/27205: not recorded in $REC: /movie/27205?language=en-US" ]]
}

@test "a missing recording folder exits 66" {
	run -66 --separate-stderr tmdb-fetch --replay "$BATS_FILE_TMPDIR/nowhere" movie 550
	[[ $stderr == *nowhere* ]]
}

@test "--record and --replay together are a usage error" {
	run -64 --separate-stderr tmdb-fetch --record "$BATS_TEST_TMPDIR/x" --replay "$REC" movie 550
}

@test "a recorded answer missing an appended part, or a review page, exits 69 naming it" {
	cp -R "$REC" "$BATS_TEST_TMPDIR/rec"
	first="$BATS_TEST_TMPDIR/rec/movie/550/append_to_response=credits,reviews&language=en-US.json"
	jq -c 'del(.credits)' "$first" >"$BATS_TEST_TMPDIR/edited" && mv "$BATS_TEST_TMPDIR/edited" "$first"
	page="$BATS_TEST_TMPDIR/rec/movie/155/reviews/language=en-US&page=3.json"
	jq -c 'del(.results)' "$page" >"$BATS_TEST_TMPDIR/edited" && mv "$BATS_TEST_TMPDIR/edited" "$page"
	run -69 --separate-stderr tmdb-fetch --replay "$BATS_TEST_TMPDIR/rec" movie 550
	[ -z "$output" ]
	[[ $stderr == "tmdb-fetch: movie 550: $BATS_TEST_TMPDIR/rec: invalid recorded response: no \"credits\" object" ]]
	run -69 --separate-stderr tmdb-fetch --replay "$BATS_TEST_TMPDIR/rec" movie 155
	[ -z "$output" ]
	[[ $stderr == "tmdb-fetch: movie 155: reviews page 3: $BATS_TEST_TMPDIR/rec: invalid recorded response: no \"results\" array" ]]
}
