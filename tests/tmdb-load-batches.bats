#!/usr/bin/env bats
# tmdb-load in batches (--batch, --batch-seconds) and several PostgreSQL loads at once
# (--shared): what commits is whole movies, a killed load keeps the batches it committed,
# --shared loads overlap and end equal to one load of the same rows, a deadlock is retried.

load test_helper
load postgres

setup_file() {
	start_postgres
}

teardown_file() {
	stop_postgres
}

setup() {
	pg_reset
	FIFO="$BATS_TEST_TMPDIR/input.fifo"
}

# A test that failed with a load still reading its fifo ends it.
teardown() {
	exec 5>&- 6>&- 2>/dev/null || true
	[[ -z ${holder_pid:-} ]] || kill "$holder_pid" 2>/dev/null || true
}

header() {
	jq -nc '{movies: ["movie_id"], credits: ["credit_id"], reviews: ["review_id"],
		sync_state: ["request"]} | to_entries[]
		| {type: "SCHEMA", stream: .key, schema: {type: "object", properties: {}}, key_properties: .value}'
}

# movie_records FIRST [LAST] [TITLE]: movies FIRST..LAST as tmdb-shape writes them, each
# movie's rows together: the movie, 3 cast, 2 reviews, its sync state.
movie_records() {
	jq -nc --argjson first "$1" --argjson last "${2:-$1}" --arg title "${3:-}" '
		def rec(s; r): {type: "RECORD", stream: s, record: r};
		range($first; $last + 1) | tostring as $id | (if $title == "" then "Movie \($id)" else $title end) as $title |
		rec("movies"; {movie_id: $id, title: $title, overview: "o", release_date: "2010-07-16",
			runtime: 100, budget: 1000, revenue: 2000, vote_average: 7.5, vote_count: 10, popularity: 1.5}),
		(range(3) as $i | rec("credits"; {credit_id: "c\($id)-\($i)", movie_id: $id, title: $title,
			person_id: "p\($i)", person_name: "n", character: "c", order: $i, cast_id: $i})),
		(range(2) as $i | rec("reviews"; {review_id: "r\($id)-\($i)", movie_id: $id, title: $title,
			author: "a", content: "c", created_at: "2020-01-01", updated_at: "2020-01-02", rating: 7})),
		rec("sync_state"; {request: "/movie/\($id)", movie_id: $id, etag: "\"e\($id)\""})'
}

# stream FIRST LAST: the header and movies FIRST..LAST.
stream() {
	header
	movie_records "$1" "$2"
}

# The whole warehouse, one line per row, sorted: what "equal" compares.
contents() {
	pg_query "SELECT 'm', movie_id, title FROM movies UNION ALL
		SELECT 'c', credit_id, movie_id FROM credits UNION ALL
		SELECT 'r', review_id, movie_id FROM reviews UNION ALL
		SELECT 's', request, movie_id FROM sync_state ORDER BY 1, 2, 3"
}

# Movies whose rows are not all there: fewer than 3 cast, 2 reviews or 1 state row.
broken_movies() {
	pg_query "SELECT m.movie_id FROM movies m WHERE
		(SELECT count(*) FROM credits c WHERE c.movie_id = m.movie_id) <> 3 OR
		(SELECT count(*) FROM reviews r WHERE r.movie_id = m.movie_id) <> 2 OR
		(SELECT count(*) FROM sync_state s WHERE s.movie_id = m.movie_id) <> 1"
}

ids() {
	pg_query "SELECT coalesce(string_agg(movie_id, ',' ORDER BY movie_id::int), '') FROM movies"
}

# wait_for SQL: until the query answers t (10 s at most).
wait_for() {
	for _ in $(seq 200); do
		[[ $(pg_query "$1") == t ]] && return 0
		sleep 0.05
	done
	fail "never: $1"
}

@test "--batch 2: a load failing in its fifth movie keeps movies 1-4 whole, none of the fifth" {
	run -65 --separate-stderr tmdb-load --batch 2 --batch-seconds 0 postgres "$PG_DSN" \
		< <(stream 1 4; movie_records 5 | head -3; echo 'not json')
	[[ $stderr == "tmdb-load: -:"*": "* ]]
	assert_equal "$(ids)" "1,2,3,4"
	assert_equal "$(broken_movies)" ""
}

@test "sqlite and csv stay one commit; --batch and --shared are postgres's" {
	run -65 tmdb-load sqlite "$BATS_TEST_TMPDIR/w.db" < <(stream 1 4; echo 'not json')
	[ ! -e "$BATS_TEST_TMPDIR/w.db" ]
	run -65 tmdb-load csv "$BATS_TEST_TMPDIR/csv" < <(stream 1 4; echo 'not json')
	[ ! -e "$BATS_TEST_TMPDIR/csv/movies.csv" ]
	run -64 --separate-stderr tmdb-load --shared sqlite "$BATS_TEST_TMPDIR/w.db"
	assert_equal "${stderr%%$'\n'*}" "tmdb-load: --shared: only postgres has loads that share"
	run -64 --separate-stderr tmdb-load --batch 5 csv "$BATS_TEST_TMPDIR/csv"
	assert_equal "${stderr%%$'\n'*}" "tmdb-load: --batch, --batch-seconds: csv commits once, at the end"
	run -0 tmdb-load -q --batch 0 sqlite "$BATS_TEST_TMPDIR/w.db" < <(stream 1 1)
}

@test "postgres commits every 500 movies by default: a failure at movie 501 keeps 500" {
	run -65 tmdb-load -q postgres "$PG_DSN" < <(stream 1 501; echo 'not json')
	assert_equal "$(pg_query 'SELECT count(*) FROM movies')" 500
	assert_equal "$(broken_movies)" ""
	run -0 tmdb-load -q --batch 0 --batch-seconds 0 postgres "$PG_DSN" < <(stream 1 2)
}

@test "each commit prints the last STATE message before it; a failed batch's does not come out" {
	in=$(
		stream 1 2
		echo '{"type":"STATE","value":{"at":2}}'
		movie_records 3
		echo '{"type":"STATE","value":{"at":3}}'
		movie_records 4
		echo 'not json'
	)
	run -65 --separate-stderr tmdb-load --batch 1 postgres "$PG_DSN" <<<"$in"
	assert_equal "$output" '{"at":2}'$'\n''{"at":3}'
}

@test "a load killed mid-batch keeps what it committed, whole, and its rerun completes it" {
	mkfifo "$FIFO"
	tmdb-load -q --batch 2 --batch-seconds 0 postgres "$PG_DSN" <"$FIFO" &
	load=$!
	exec 5>"$FIFO"
	stream 1 5 >&5
	movie_records 6 | head -4 >&5
	# Movies 1-4 are two batches; 5 begins the third, which 6 is still part of.
	wait_for "SELECT count(*) = 4 FROM movies"
	kill -9 "$load"
	wait "$load" || true
	exec 5>&-
	assert_equal "$(ids)" "1,2,3,4"
	assert_equal "$(broken_movies)" ""
	stream 1 6 | tmdb-load -q postgres "$PG_DSN"
	assert_equal "$(ids)" "1,2,3,4,5,6"
	assert_equal "$(broken_movies)" ""
}

@test "--shared: a second --shared load lands while the first has a batch open; a plain load waits for both" {
	mkfifo "$FIFO"
	tmdb-load -q --shared --batch 0 --batch-seconds 0 postgres "$PG_DSN" <"$FIFO" &
	holder_pid=$!
	exec 5>"$FIFO"
	stream 1 3 >&5
	wait_for "SELECT count(*) = 1 FROM pg_locks WHERE locktype = 'advisory' AND mode = 'ShareLock' AND granted"
	# The first holds its rows staged, uncommitted; the second does all its work meanwhile.
	run -0 tmdb-load -q --shared postgres "$PG_DSN" < <(stream 4 6)
	assert_equal "$(ids)" "4,5,6"
	run -75 --separate-stderr tmdb-load postgres "$PG_DSN" < <(stream 7 7)
	[[ $stderr == *": in use by "*"(backend pid "*"); --wait to wait for it" ]]
	exec 5>&-
	wait "$holder_pid"
	holder_pid=
	assert_equal "$(ids)" "1,2,3,4,5,6"
	assert_equal "$(broken_movies)" ""
}

@test "--shared loads of overlapping movies at once end equal to one load of them all" {
	stream 1 40 | tmdb-load -q postgres "$PG_DSN"
	contents >"$BATS_TEST_TMPDIR/one"
	pg_reset
	# Four shards, each sharing movies with the next, each shard in small batches.
	pids=()
	for w in 0 1 2 3; do
		stream $((w * 10 + 1)) $((w * 10 + 15 > 40 ? 40 : w * 10 + 15)) |
			tmdb-load -q --shared --batch 3 postgres "$PG_DSN" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid"; done
	contents | diff - "$BATS_TEST_TMPDIR/one"
	assert_equal "$(broken_movies)" ""
}

@test "--shared: a movie that lost cast at the source loses it once, whichever load commits last" {
	stream 1 3 | tmdb-load -q postgres "$PG_DSN"
	# Both loads bring movie 2 with one credit fewer.
	shrunk() { header; movie_records "$1"; movie_records 2 | grep -v '"c2-2"'; }
	shrunk 1 | tmdb-load -q --shared --batch 1 postgres "$PG_DSN" &
	a=$!
	shrunk 3 | tmdb-load -q --shared --batch 1 postgres "$PG_DSN" &
	b=$!
	wait "$a"
	wait "$b"
	assert_equal "$(pg_query "SELECT string_agg(credit_id, ',' ORDER BY credit_id) FROM credits WHERE movie_id = '2'")" "c2-0,c2-1"
	assert_equal "$(pg_query 'SELECT count(*) FROM credits')" 8
}

@test "--shared: a batch PostgreSQL ends as a deadlock is tried again and lands whole" {
	stream 1 2 | tmdb-load -q postgres "$PG_DSN"
	# Another session locks movie 1's row; the load, holding movie 1's lock, waits for it;
	# then that session asks for movie 1's lock: a deadlock, which the load (waiting longer
	# and checking sooner) is the one to break.
	mkfifo "$FIFO"
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=0 <"$FIFO" >"$BATS_TEST_TMPDIR/psql.out" 2>&1 &
	holder_pid=$!
	exec 6>"$FIFO"
	echo "SET deadlock_timeout = '60s'; BEGIN; SELECT 1 FROM movies WHERE movie_id = '1' FOR UPDATE;" >&6
	wait_for "SELECT count(*) = 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = 'movies' AND l.mode = 'RowShareLock' AND l.granted"
	{ header; movie_records 1 1 "Changed"; } |
		tmdb-load -v --shared postgres "$PG_DSN" 2>"$BATS_TEST_TMPDIR/load.err" &
	load=$!
	wait_for "SELECT count(*) > 0 FROM pg_locks WHERE NOT granted"
	echo "SELECT pg_advisory_xact_lock(1953326178, hashtext('1')); COMMIT;" >&6
	exec 6>&-
	wait "$load" || fail "the load failed: $(cat "$BATS_TEST_TMPDIR/load.err")"
	wait "$holder_pid" || true
	holder_pid=
	grep -q 'movies: deadlock detected (.*); the batch is tried again$' "$BATS_TEST_TMPDIR/load.err" ||
		fail "no retry: $(cat "$BATS_TEST_TMPDIR/load.err")"
	assert_equal "$(pg_query "SELECT title FROM movies WHERE movie_id = '1'")" "Changed"
	assert_equal "$(broken_movies)" ""
	grep -q 'movies: 0 inserted, 1 updated, 0 unchanged, 0 deleted' "$BATS_TEST_TMPDIR/load.err"
}

@test "a membership of a movie another load removed (the sync found it unchanged): 75, the batch not written" {
	stream 1 2 | tmdb-load -q postgres "$PG_DSN"
	member() {
		jq -nc --arg movie "$1" '{type: "RECORD", stream: "memberships",
			record: {person_id: "7", job: "Director", movie_id: $movie}}'
	}
	members='{"type":"SCHEMA","stream":"memberships","schema":{"properties":{}},"key_properties":["person_id","job","movie_id"]}'
	run -0 tmdb-load -q postgres "$PG_DSN" < <(echo "$members"; member 1)
	run -75 --separate-stderr tmdb-load -q --batch 1 postgres "$PG_DSN" < <(echo "$members"; member 2; member 9)
	[[ $stderr == *": memberships: movie_id 9 is not in movies (removed since this run read the state?); run it again" ]] ||
		fail "$stderr"
	assert_equal "$(pg_query "SELECT string_agg(movie_id, ',' ORDER BY movie_id) FROM memberships")" "1,2"
}

# credits_of MOVIE: its cast's credit ids, comma-separated, in order.
credits_of() {
	pg_query "SELECT coalesce(string_agg(credit_id, ',' ORDER BY credit_id), '') FROM credits
		WHERE movie_id = '$1'"
}

@test "new movies' rows go in by plain INSERT; a credit the table holds under another movie falls back to the upsert, counted as SQLite counts it" {
	tmdb-load -q postgres "$PG_DSN" < <(stream 1 2)
	tmdb-load -q sqlite "$BATS_TEST_TMPDIR/w.db" < <(stream 1 2)
	# Movie 3 is new, but its first credit is movie 1's: the plain INSERT of the batch's
	# cast meets that key and the batch merges it instead.
	moved=$(movie_records 3 | jq -c 'if .record.credit_id == "c3-0" then .record.credit_id = "c1-0" else . end')
	run -0 --separate-stderr tmdb-load -v postgres "$PG_DSN" < <(header; echo "$moved")
	[[ $stderr == *"credits_pkey"*"merged instead"* ]] || fail "$stderr"
	pg_counts=$(grep '^tmdb-load: [a-z_]*:' <<<"$stderr")
	run -0 --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/w.db" < <(header; echo "$moved")
	assert_equal "$pg_counts" "$(grep '^tmdb-load: [a-z_]*:' <<<"$stderr")"
	[[ $pg_counts == *"credits: 2 inserted, 1 updated, 0 unchanged, 0 deleted"* ]] || fail "$pg_counts"
	assert_equal "$(credits_of 1)" "c1-1,c1-2"
	assert_equal "$(credits_of 3)" "c1-0,c3-1,c3-2"
}

@test "a movie whose cast the table already holds (loaded without the movie) is replaced, not added to" {
	# The cast of movie 5 alone, no movie row: then movie 5 whole, with another cast.
	tmdb-load -q postgres "$PG_DSN" < <(header; movie_records 5 |
		jq -c 'select(.stream == "credits") | .record.credit_id |= sub("c5"; "old5")')
	assert_equal "$(credits_of 5)" "old5-0,old5-1,old5-2"
	run -0 --separate-stderr tmdb-load postgres "$PG_DSN" < <(stream 5 6)
	assert_equal "$(credits_of 5)" "c5-0,c5-1,c5-2"
	[[ $stderr == *"credits: 6 inserted, 0 updated, 0 unchanged, 3 deleted"* ]] || fail "$stderr"
	assert_equal "$(broken_movies)" ""
}

@test "a deletion inside a batch of new movies: a movie after it that comes alone still loses its old cast" {
	tmdb-load -q postgres "$PG_DSN" < <(stream 8 9)
	# Movie 7 new; a deletion (movie 9) merges what came before it; then movie 8's row
	# alone: its cast is gone at the source.
	run -0 --separate-stderr tmdb-load postgres "$PG_DSN" < <(header; movie_records 7
		jq -nc '{type: "RECORD", stream: "movies", record: {movie_id: "9", _sdc_deleted_at: "2026-12-01T00:00:00Z"}}'
		movie_records 8 | jq -c 'select(.stream == "movies")')
	assert_equal "$(credits_of 7)" "c7-0,c7-1,c7-2"
	assert_equal "$(credits_of 8)" ""
	assert_equal "$(credits_of 9)" ""
	assert_equal "$(ids)" "7,8"
}
