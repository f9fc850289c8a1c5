#!/usr/bin/env bats
# pipelines/debug.sh: the seed's local run, incremental state, failures, offline sample.

load with_fake_tmdb

FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"
FIXTURES="$BATS_TEST_DIRNAME/fixtures/tmdb"
DEBUG="$BATS_TEST_DIRNAME/../pipelines/debug.sh"

setup() {
	fake_reset
	cd "$BATS_TEST_TMPDIR" || return
}

teardown() {
	[[ -z ${readonly_dir:-} ]] || rm -rf "$readonly_dir"
}

# unprivileged COMMAND...: as root, run COMMAND as nobody, for whom a folder's mode counts.
unprivileged() {
	if ((EUID == 0)); then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

rows() {
	sqlite3 files/warehouse.db "$1"
}

@test "--help prints usage and exits 0; a bad option exits 64" {
	run --separate-stderr bash "$DEBUG" --help
	assert_success
	assert_output --partial "--director ID|NAME"
	run -64 --separate-stderr bash "$DEBUG" --frobnicate
}

@test "a full run resets, prepares files/, loads every table and writes the state" {
	mkdir -p files
	echo stale >files/state.json
	printf '{"api_key": "%s"}\n' "$FAKE_API_KEY" >configuration.json
	unset TMDB_API_KEY
	run --separate-stderr bash "$DEBUG"
	assert_success
	[[ $output == *"Contents of files directory:"*configuration.json*spec.json* ]]
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"movies: 13 inserted"* ]]
	# A summary line for every table.
	for table in credits reviews crew genres; do
		[[ $stderr == *"$table: "*" inserted, 0 updated, 0 unchanged, 0 deleted"* ]] || fail "no summary of $table"
	done
	[ "$(rows 'SELECT count(*) FROM movies')" -eq "$(jq '.person_525_director_movie_ids | length' "$FACTS")" ]
	jq -e '.version == 1 and (.etags | length) > 0' files/state.json
	cmp configuration.json files/configuration.json
	jq -e .connectionSpecification files/spec.json
}

@test "an unchanged source: the incremental run writes no rows and no movie body is sent" {
	bash "$DEBUG" 2>/dev/null
	fake_reset
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	for table in movies credits reviews crew genres; do
		[[ $stderr == *"$table: 0 inserted, 0 updated"* ]]
	done
	[ "$(fake_requests 'select(.path | startswith("/3/movie/")) | select(.status != 304)' | wc -l)" -eq 0 ]
	[ "$(fake_requests 'select(.path | startswith("/3/movie/")) | .bytes' | jq -s add)" -eq 0 ]
}

@test "a changed revenue and a removed review: the incremental run updates exactly that movie" {
	bash "$DEBUG" 2>/dev/null
	bash "$DEBUG" --incremental 2>/dev/null
	fake_resource "$(jq -c '{path: "movie/27205", json: (.revenue = 839030631)}' "$FIXTURES/movie/27205.json")"
	gone=$(jq -r '.results[5].id' "$FIXTURES/movie/27205/reviews.json")
	fake_resource "$(jq -c '{path: "movie/27205/reviews", json: (.results |= del(.[5]))}' "$FIXTURES/movie/27205/reviews.json")"
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"movies: 0 inserted, 1 updated"* ]]
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 26 unchanged, 1 deleted"* ]]
	[ "$(rows "SELECT revenue FROM movies WHERE movie_id = '27205'")" -eq 839030631 ]
	[ "$(rows "SELECT count(*) FROM reviews WHERE review_id = '$gone'")" -eq 0 ]
	[[ $stderr == *"1 fetched, 12 unchanged"* ]]
}

@test "a failure at the last movie: non-zero exit, the state untouched; the next run completes" {
	bash "$DEBUG" 2>/dev/null
	cp files/state.json state.before
	last=$(jq '.person_525_director_movie_ids[-1]' "$FACTS")
	fake_resource "$(jq -c '{path: "movie/155", json: (.budget = 1)}' "$FIXTURES/movie/155.json")"
	fake_resource "$(jq -c "{path: \"movie/$last\", json: (.budget = 2)}" "$FIXTURES/movie/$last.json")"
	# Four answers of 503: the first try and its three retries.
	fake_fault "{\"match\": \"^/3/movie/$last\$\", \"kind\": \"status\", \"status\": 503, \"times\": 4}"
	run --separate-stderr bash "$DEBUG" --incremental
	assert_failure
	[[ $stderr == *"movie $last"* ]]
	cmp files/state.json state.before
	[ -z "$(find files -name 'state.json.next.*')" ]
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[ "$(rows "SELECT budget FROM movies WHERE movie_id = '$last'")" -eq 2 ]
	[ "$(rows "SELECT budget FROM movies WHERE movie_id = '155'")" -eq 1 ]
	run ! cmp -s files/state.json state.before
}

# asked_movies: the movies the fake TMDB was asked about, by id, sorted, one per line.
asked_movies() {
	fake_requests '.path' | jq -r 'capture("^/3/movie/(?<id>[0-9]+)").id // empty' | sort -u
}

# not_committed: the director's movies the warehouse does not hold, sorted, one per line.
not_committed() {
	comm -23 <(jq -r '.person_525_director_movie_ids[] | tostring' "$FACTS" | sort) \
		<(rows 'SELECT movie_id FROM movies' 2>/dev/null | sort)
}

@test "a sync that did not finish leaves files/sync.started; the next resumes it, asking only what the warehouse did not commit" {
	last=$(jq '.person_525_director_movie_ids[-1]' "$FACTS")
	# The first sync fails at its last movie: what came before it may be committed
	# (one transaction: all of it; in batches: the batches before).
	fake_fault "{\"match\": \"^/3/movie/$last\$\", \"kind\": \"status\", \"status\": 503, \"times\": 8}"
	before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	run --separate-stderr bash "$DEBUG" --incremental
	assert_failure
	started=$(<files/sync.started)
	[[ $started =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ && ! $started < $before ]] || fail "marker: $started"
	# Failing again, it resumes and keeps the first start.
	fake_reset
	fake_fault "{\"match\": \"^/3/movie/$last\$\", \"kind\": \"status\", \"status\": 503, \"times\": 4}"
	not_committed >expected
	run --separate-stderr bash "$DEBUG" --incremental
	assert_failure
	assert_output --partial "Resuming the sync started at $started"
	assert_equal "$(<files/sync.started)" "$started"
	assert_equal "$(asked_movies)" "$(cat expected)"
	# The run that finishes asks what is still missing, then removes the marker.
	fake_reset
	not_committed >expected
	[ -s expected ]
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	assert_equal "$(asked_movies)" "$(cat expected)"
	[ ! -e files/sync.started ]
	[ -z "$(not_committed)" ]
	[ "$(rows "SELECT count(*) FROM sync_state WHERE fetched_at < '$started' OR fetched_at IS NULL")" -eq 0 ]
	# A run with nothing to resume asks as before: every movie, each only if changed.
	fake_reset
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	refute_output --partial "Resuming"
	[ "$(asked_movies | wc -l)" -eq 13 ]
	[ ! -e files/sync.started ]
	# A full run has nothing to resume: it ignores the file, and removes it once it is done.
	echo "$started" >files/sync.started
	run --separate-stderr bash "$DEBUG"
	assert_success
	refute_output --partial "Resuming"
	[ ! -e files/sync.started ]
}

@test "a sync killed before its load committed is resumed: the next run asks only what the warehouse lacks" {
	last=$(jq '.person_525_director_movie_ids[-1]' "$FACTS")
	fake_fault "{\"match\": \"^/3/movie/$last\$\", \"kind\": \"slow\", \"delay\": 60}"
	setsid bash "$DEBUG" --incremental >killed.out 2>&1 3>&- &
	pgid=$!
	# Killed while it waits for the last movie (logged as it is asked, before its delay).
	for ((tries = 0; tries < 600; tries++)); do
		(($(asked_movies | wc -l) == 13)) && break
		sleep 0.05
	done
	kill -KILL -- "-$pgid"
	wait "$pgid" || true
	[ -s files/sync.started ]
	started=$(<files/sync.started)
	fake_reset
	not_committed >expected
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	assert_output --partial "Resuming the sync started at $started"
	assert_equal "$(asked_movies)" "$(cat expected)"
	[ ! -e files/sync.started ]
	[ -z "$(not_committed)" ]
}

@test "--director NAME resolves through search, preferring people known for Directing" {
	run --separate-stderr bash "$DEBUG" --director "Steven Spielberg"
	assert_success
	assert_output --partial "Director: Steven Spielberg (TMDB person 488, known for Directing)"
	[ "$(rows 'SELECT count(*) FROM movies')" -eq "$(jq '.person_488_director_movie_ids | length' "$FACTS")" ]
	run --separate-stderr bash "$DEBUG" --director "Christopher Nolan"
	assert_output --partial "TMDB person 525"
	run -65 --separate-stderr bash "$DEBUG" --director "Nobody Atall"
	[[ $stderr == *"no TMDB person named 'Nobody Atall'"* ]]
}

@test "--job follows another crew job" {
	run --separate-stderr bash "$DEBUG" --job Writer
	assert_success
	expected=$(jq '[.crew[] | select(.job == "Writer") | .id] | unique | length' "$FIXTURES/person/525/movie_credits.json")
	[ "$(rows 'SELECT count(*) FROM movies')" -eq "$expected" ]
}

@test "--csv DIR writes the tables as CSV instead" {
	run --separate-stderr bash "$DEBUG" --csv out
	assert_success
	[ ! -e files/warehouse.db ]
	[ "$(python3 -c 'import csv,sys; print(sum(1 for _ in csv.DictReader(open(sys.argv[1], newline=""))))' out/movies.csv)" -eq 13 ]
	[ -s out/credits.csv ] && [ -s out/reviews.csv ] && [ -s out/crew.csv ] && [ -s out/genres.csv ]
}

@test "--offline replays the bundled sample with no server and no key" {
	unset TMDB_API_KEY
	TMDB_BASE_URL=http://127.0.0.1:9/3 run --separate-stderr bash "$DEBUG" --offline
	assert_success
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 13 ]
	[ "$(rows "SELECT count(*) FROM reviews WHERE movie_id = '155'")" -eq 65 ]
	[ "$(fake_count .)" -eq 0 ]
}

@test "TMDB_BIN names the programs to run, as the sanitizer pass needs" {
	mkdir wrapped
	for program in tmdb-fetch tmdb-director tmdb-shape tmdb-load; do
		printf '#!/bin/sh\necho %s >> "%s/used"\nexec "%s/%s" "$@"\n' \
			"$program" "$PWD" "$TMDB_BIN" "$program" > "wrapped/$program"
		chmod +x "wrapped/$program"
	done
	TMDB_BIN=$PWD/wrapped run --separate-stderr bash "$DEBUG" --offline
	assert_success
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 13 ]
	[ "$(sort -u used | tr '\n' ' ')" = "tmdb-director tmdb-fetch tmdb-load tmdb-shape " ]
}

@test "the bundled sample is exactly what the fixtures record today" {
	bash "$PROJECT_ROOT/tests/make_sample.sh" "$BATS_TEST_TMPDIR/sample" >/dev/null
	diff -r "$PROJECT_ROOT/pipelines/sample" "$BATS_TEST_TMPDIR/sample"
}

@test "files/configuration.json is created readable by its owner only, whatever its source's mode" {
	printf '{"api_key": "%s"}\n' "$FAKE_API_KEY" >configuration.json
	chmod 644 configuration.json
	unset TMDB_API_KEY
	run --separate-stderr bash "$DEBUG"
	assert_success
	# The key came from the copy: the sync fetched the whole filmography with it.
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 13 ]
	[ "$(stat -c %a files/configuration.json)" = 600 ]
	cmp configuration.json files/configuration.json
	# A copy an earlier run left open to others is replaced by a private one.
	chmod 666 files/configuration.json
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[ "$(stat -c %a files/configuration.json)" = 600 ]
}

@test "in a read-only folder: one line naming the folder, exit 73, nothing fetched" {
	# Reachable by nobody: the suite's own temporary folders are root's alone.
	readonly_dir=$(mktemp -d "${TMPDIR:-/tmp}/debug-readonly.XXXXXX")
	chmod 555 "$readonly_dir"
	cd "$readonly_dir"
	run --separate-stderr unprivileged bash "$DEBUG" --offline
	[ "$status" -eq 73 ] || fail "exit $status: $stderr"
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "not one line: $stderr"
	[[ $stderr == "debug.sh: $readonly_dir"* ]] || fail "does not name the folder: $stderr"
	[ -z "$(ls -A "$readonly_dir")" ]
}

@test "--director that is neither a positive id nor a name exits 64 before fetching" {
	for bad in -5 0 '' --job; do
		run -64 --separate-stderr bash "$DEBUG" --director "$bad"
		[[ $stderr == "debug.sh: "*"--director"* ]] || fail "--director '$bad': $stderr"
		[[ $stderr != *tmdb-fetch* ]] || fail "--director '$bad' reached tmdb-fetch: $stderr"
	done
	[ "$(fake_count .)" -eq 0 ]
	[ ! -e files ]
}

@test "--offline --director someone not in the sample: 65, naming who is" {
	for who in "Martin Scorsese" 138; do
		run -65 --separate-stderr bash "$DEBUG" --offline --director "$who"
		[[ $stderr == *"'$who' is not in the offline sample"* ]] || fail "$stderr"
		[[ $stderr == *"Christopher Nolan (525)"* && $stderr == *"Steven Spielberg (488)"* ]] || fail "$stderr"
	done
	[ ! -e files ]
	# Those who are can be named in any case.
	run --separate-stderr bash "$DEBUG" --offline --director "steven spielberg"
	assert_success
	assert_output --partial "Director: Steven Spielberg (TMDB person 488"
	[ "$(rows 'SELECT count(*) FROM movies')" -eq "$(jq '.person_488_director_movie_ids | length' "$FACTS")" ]
}

@test "a usage error is the error and one line pointing at --help" {
	for args in --nonsense "--director" "--csv"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr bash "$DEBUG" $args
		[ "${#stderr_lines[@]}" -le 3 ] || fail "$args: ${#stderr_lines[@]} lines: $stderr"
		[[ ${stderr_lines[0]} == "debug.sh: "* ]] || fail "$args: $stderr"
		[[ ${stderr_lines[-1]} == *"debug.sh --help"* ]] || fail "$args: $stderr"
		assert_output ""
	done
	[[ $stderr == *"--csv needs a DIR"* ]]
}

@test "a person that does not resolve leaves the folder as it was" {
	mkdir work && cd work
	run -65 --separate-stderr bash "$DEBUG" --director "Nobody Atall"
	[ -z "$(ls -A)" ] || fail "left: $(ls -A)"
}
