#!/usr/bin/env bats
# Sync guarantees across runs (CONTRACT.md, "Sync guarantees"): the state never ahead of the
# warehouse, one writer per destination, nothing destroyed before its replacement is ready,
# departures, and what a failed run leaves behind. Through debug.sh, SQLite and CSV.

load with_fake_tmdb

FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"
FIXTURES="$BATS_TEST_DIRNAME/fixtures/tmdb"
DEBUG="$BATS_TEST_DIRNAME/../pipelines/debug.sh"
TABLES="movies credits reviews crew genres memberships sync_state"

setup() {
	fake_reset
	cd "$BATS_TEST_TMPDIR" || return
}

rows() {
	sqlite3 "${DB:-files/warehouse.db}" "$1"
}

# The movie ids a table holds, sorted, one line.
# shellcheck disable=SC2120 # the table is optional
held() {
	rows "SELECT group_concat(movie_id, ' ') FROM (SELECT DISTINCT movie_id FROM ${1:-movies} ORDER BY movie_id + 0)"
}

source_ids() {
	jq -r '.person_525_director_movie_ids | sort | map(tostring) | join(" ")' "$FACTS"
}

# Every table of the warehouse, dumped, for "equal to a clean sync" comparisons; but
# sync_state's fetched_at, when a request was answered, which differs from run to run.
dump() {
	local table
	for table in $TABLES; do
		echo "== $table"
		sqlite3 "${1:-files/warehouse.db}" "SELECT $(dump_columns "$table") FROM \"$table\" ORDER BY 1, 2"
	done
}

# The state a run starts from, as the destination tells it, and the copy in files/: both
# name only movies the warehouse holds (ETags by their request path).
assert_state_not_ahead() {
	local db=${1:-files/warehouse.db} copy=${2-files/state.json} have claimed
	have=$(sqlite3 "$db" 'SELECT movie_id FROM movies' 2>/dev/null | sort -u)
	for state in <(tmdb-load --print-state sqlite "$db") ${copy:+"$copy"}; do
		[[ -e $state ]] || continue
		claimed=$(jq -r '(.etags | keys[] | capture("^/movie/(?<id>[0-9]+)").id), (.members[]?.movie_id)' "$state" | sort -u)
		if [[ -n $(comm -13 <(echo "$have") <(echo "$claimed") | sed '/^$/d') ]]; then
			fail "the state claims movies the warehouse lacks: $(comm -13 <(echo "$have") <(echo "$claimed") | tr '\n' ' ')"
		fi
	done
}

# full_sync: a debug.sh run that must bring every movie of the source, so a test that
# starts from it depends on every program (make mutants).
full_sync() {
	bash "$DEBUG" >/dev/null 2>&1 || fail "the first sync failed"
	[ "$(held)" = "$(source_ids)" ] || fail "the first sync holds $(held), not the source's movies"
}

clean_sync_dump() {
	if [[ ! -s $BATS_FILE_TMPDIR/clean.dump ]]; then
		mkdir -p "$BATS_FILE_TMPDIR/clean"
		(cd "$BATS_FILE_TMPDIR/clean" && bash "$DEBUG" >/dev/null 2>&1)
		dump "$BATS_FILE_TMPDIR/clean/files/warehouse.db" >"$BATS_FILE_TMPDIR/clean.dump"
	fi
	[ "$(DB=$BATS_FILE_TMPDIR/clean/files/warehouse.db held)" = "$(source_ids)" ] ||
		fail "the clean sync does not hold the source's movies"
	cat "$BATS_FILE_TMPDIR/clean.dump"
}

# shellcheck disable=SC2120 # the warehouse is optional
assert_equals_source() {
	clean_sync_dump >clean.dump
	dump "${1:-files/warehouse.db}" >now.dump
	diff clean.dump now.dump || fail "the warehouse is not what a clean sync gives"
}

# assert_gone MOVIE: no row of MOVIE in any table of the warehouse.
assert_gone() {
	local table
	for table in $TABLES; do
		[ "$(rows "SELECT count(*) FROM $table WHERE movie_id = '$1'")" -eq 0 ] || fail "$1 is still in $table"
	done
}

# Holds movie LAST's answer back SECONDS, so a run holds its lock that long.
slow_last_movie() {
	local last
	last=$(jq '.person_525_director_movie_ids[-1]' "$FACTS")
	fake_fault "{\"match\": \"^/3/movie/$last\$\", \"kind\": \"slow\", \"delay\": $1, \"times\": 1}"
}

# wait_for_holder LOCK PID: until the process PID holds LOCK (its holder line names it).
wait_for_holder() {
	local tries=0
	until grep -q "^$2 " "$1" 2>/dev/null; do
		((++tries < 400)) || fail "nobody took the lock $1"
		sleep 0.05
	done
}

@test "a second debug.sh on the same warehouse exits 75 naming the first; the first's sync stands" {
	slow_last_movie 2
	bash "$DEBUG" >first.out 2>first.err &
	first=$!
	wait_for_holder files/warehouse.db.lock "$first"
	run -75 --separate-stderr bash "$DEBUG"
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"in use by debug.sh (pid $first)"* ]] || fail "no holder named: $stderr"
	wait "$first"
	assert_equals_source
	assert_state_not_ahead
}

@test "two debug.sh runs at several offsets with --wait: both finish, one after the other, and the next incremental run equals the source" {
	full_sync
	for offset in 0.1 0.5 1.5; do
		slow_last_movie 2
		bash "$DEBUG" --wait >a.out 2>&1 &
		a=$!
		sleep "$offset"
		bash "$DEBUG" --wait >b.out 2>&1 || fail "the second run at $offset s failed: $(cat b.out)"
		wait "$a" || fail "the first run at $offset s failed: $(cat a.out)"
		assert_state_not_ahead
		run --separate-stderr bash "$DEBUG" --incremental
		assert_success
		assert_equals_source
		assert_state_not_ahead
	done
}

@test "a debug.sh --incremental beside a full run: whichever goes second, the warehouse ends equal to the source" {
	full_sync
	slow_last_movie 2
	bash "$DEBUG" --wait >a.out 2>&1 &
	a=$!
	sleep 0.3
	bash "$DEBUG" --wait --incremental >b.out 2>&1 || fail "$(cat b.out)"
	wait "$a"
	assert_equals_source
	assert_state_not_ahead
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"0 fetched, 13 unchanged"* ]]
}

@test "the warehouse deleted: the next incremental run fetches everything again" {
	full_sync
	rm files/warehouse.db
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"13 fetched, 0 unchanged"* ]]
	assert_equals_source
	assert_state_not_ahead
}

@test "the warehouse emptied by hand: the next incremental run fetches everything again" {
	full_sync
	rows 'DELETE FROM movies'
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"13 fetched, 0 unchanged"* ]]
	assert_equals_source
	assert_state_not_ahead
}

@test "the warehouse replaced by another person's: 525's films all come back, 488's stay" {
	mkdir other
	(cd other && bash "$DEBUG" --director 488 >/dev/null 2>&1)
	bash "$DEBUG" >/dev/null 2>&1
	cp other/files/warehouse.db files/warehouse.db
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"13 fetched, 0 unchanged"* ]]
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 17 ]
	[ "$(rows "SELECT count(*) FROM memberships WHERE person_id = '488'")" -eq 4 ]
	assert_state_not_ahead
}

@test "a CSV destination deleted: the next incremental run fetches everything again" {
	bash "$DEBUG" --csv out >/dev/null 2>&1
	rm -r out
	run --separate-stderr bash "$DEBUG" --incremental --csv out
	assert_success
	[[ $stderr == *"13 fetched, 0 unchanged"* ]]
	[ "$(($(wc -l <out/movies.csv) - 1))" -eq 13 ]
}

# Everything a run may touch: the warehouse, the state's copy and the charts.
snapshot() {
	find files -type f ! -name '*.lock' -print0 | sort -z | xargs -0 md5sum
}

@test "no credentials: exit 78 before anything is touched; warehouse, state and charts stay" {
	full_sync
	snapshot >before
	unset TMDB_API_KEY
	run -78 --separate-stderr bash "$DEBUG"
	snapshot | diff before -
}

@test "refused credentials or an unknown person: nothing is touched" {
	full_sync
	snapshot >before
	TMDB_API_KEY=wrong run -77 --separate-stderr bash "$DEBUG"
	snapshot | diff before -
	run -65 --separate-stderr bash "$DEBUG" --director 99999999
	[[ $stderr == *"no TMDB person 99999999"* ]]
	snapshot | diff before -
}

@test "a lock that cannot be created (here a folder in its place): exit 73, nothing touched" {
	full_sync
	rm files/warehouse.db.lock
	mkdir files/warehouse.db.lock
	snapshot >before
	run -73 --separate-stderr bash "$DEBUG"
	[[ $stderr == *"files/warehouse.db.lock: cannot create the lock file"* ]]
	snapshot | diff before -
}

@test "a full run that fails part way leaves the old warehouse and charts as they were" {
	full_sync
	snapshot >before
	last=$(jq '.person_525_director_movie_ids[-1]' "$FACTS")
	fake_fault "{\"match\": \"^/3/movie/$last\$\", \"kind\": \"status\", \"status\": 503, \"times\": 4}"
	run --separate-stderr bash "$DEBUG"
	[ "$status" -eq 69 ]
	snapshot | diff before -
	[ -z "$(find files -name 'warehouse.db.new.*')" ]
}

@test "a film that leaves the director's filmography goes, with all its rows" {
	full_sync
	fake_resource "$(jq -c '{path: "person/525/movie_credits", json: (.crew |= map(select(.id != 155)))}' \
		"$FIXTURES/person/525/movie_credits.json")"
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
	assert_gone 155
	[ "$(rows 'SELECT count(*) FROM movie_analysis_view')" -eq 12 ]
	[ "$(rows "SELECT count(*) FROM movie_analysis_view WHERE movie_id = '155'")" -eq 0 ]
	assert_state_not_ahead
}

@test "a film that TMDB no longer has (404) goes, with all its rows" {
	full_sync
	fake_resource '{"path": "movie/155", "delete": true}'
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[[ $stderr == *"movie 155: not found"* ]]
	assert_gone 155
	assert_state_not_ahead
}

@test "a film two directors hold stays until it leaves both" {
	credits_with() {
		jq -c --arg p "$1" '{path: "person/\($p)/movie_credits", json: .}' -
	}
	# Steven Spielberg (488) co-directs The Dark Knight (155) here.
	jq '.crew += [{"id": 155, "title": "The Dark Knight", "job": "Director", "department": "Directing", "credit_id": "x155"}]' \
		"$FIXTURES/person/488/movie_credits.json" >488.json
	fake_resource "$(credits_with 488 <488.json)"
	bash "$DEBUG" >/dev/null 2>&1
	bash "$DEBUG" --incremental --director 488 >/dev/null 2>&1
	[ "$(rows "SELECT group_concat(person_id, ' ') FROM (SELECT person_id FROM memberships WHERE movie_id = '155' ORDER BY 1)")" = "488 525" ]
	jq '.crew |= map(select(.id != 155))' "$FIXTURES/person/525/movie_credits.json" | credits_with 525 | {
		read -r body
		fake_resource "$body"
	}
	run --separate-stderr bash "$DEBUG" --incremental
	assert_success
	[ "$(rows "SELECT count(*) FROM movies WHERE movie_id = '155'")" -eq 1 ]
	[ "$(rows "SELECT count(*) FROM credits WHERE movie_id = '155'")" -gt 0 ]
	[ "$(rows "SELECT person_id FROM memberships WHERE movie_id = '155'")" = 488 ]
	jq '.crew |= map(select(.id != 155))' 488.json | credits_with 488 | {
		read -r body
		fake_resource "$body"
	}
	run --separate-stderr bash "$DEBUG" --incremental --director 488
	assert_success
	assert_gone 155
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 16 ]
}

@test "a person answer without its crew is an error, never an empty filmography: nothing is deleted" {
	full_sync
	snapshot >before
	fake_fault '{"match": "^/3/person/525/movie_credits$", "kind": "invalid_json", "body": "{\"id\": 525, \"cast\": []}", "times": 10}'
	run --separate-stderr bash "$DEBUG" --incremental
	assert_failure
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 13 ]
}

@test "a hand-written pipeline whose fetch fails part way: non-zero, whole movies only, the state not ahead; the next run converges" {
	DB=w.db
	sixth=$(jq '.person_525_director_movie_ids[5]' "$FACTS")
	fake_fault "{\"match\": \"^/3/movie/$sixth\$\", \"kind\": \"status\", \"status\": 500, \"times\": 10}"
	set -o pipefail
	run bash -c 'set -o pipefail; tmdb-fetch person 525 | tmdb-director --sync | tmdb-fetch movie |
		tmdb-shape --all | tmdb-load sqlite w.db'
	[ "$status" -eq 69 ]
	# Whole movies: each one loaded has all its cast and its memberships.
	[ "$(rows "SELECT count(*) FROM movies m WHERE NOT EXISTS (SELECT 1 FROM memberships s WHERE s.movie_id = m.movie_id)")" -eq 0 ]
	[ "$(rows "SELECT count(*) FROM movies WHERE movie_id = '$sixth'")" -eq 0 ]
	assert_state_not_ahead w.db ''
	fake_reset
	tmdb-load --print-state sqlite w.db >state.json
	tmdb-fetch person 525 | tmdb-director --sync | tmdb-fetch --state state.json movie |
		tmdb-shape --all | tmdb-load sqlite w.db
	[ "$(held)" = "$(source_ids)" ]
}

@test "CSV: a film that leaves the filmography goes from every file; a second run into the folder exits 75 while the first holds it" {
	csv_rows() {
		python3 -c 'import csv, sys
print(sum(1 for r in csv.DictReader(open(sys.argv[1], newline="")) if r["movie_id"] == sys.argv[2]))' "out/$1.csv" "$2"
	}
	bash "$DEBUG" --csv out >/dev/null 2>&1
	[ "$(csv_rows credits 155)" -gt 0 ]
	fake_resource "$(jq -c '{path: "person/525/movie_credits", json: (.crew |= map(select(.id != 155)))}' \
		"$FIXTURES/person/525/movie_credits.json")"
	slow_last_movie 2
	bash "$DEBUG" --incremental --csv out >first.out 2>&1 &
	first=$!
	wait_for_holder out/.lock "$first"
	run -75 --separate-stderr bash "$DEBUG" --incremental --csv out
	[[ $stderr == *"out: in use by debug.sh (pid $first)"* ]]
	wait "$first" || fail "$(cat first.out)"
	# Released: the holder line is cleared, as tmdb-load clears its own.
	[ ! -s out/.lock ]
	for table in $TABLES; do
		[ "$(csv_rows "$table" 155)" -eq 0 ] || fail "155 is still in $table.csv"
	done
	[ "$(csv_rows movies 27205)" -eq 1 ]
}
