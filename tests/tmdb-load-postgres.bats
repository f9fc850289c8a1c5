#!/usr/bin/env bats
# tmdb-load postgres: the SQLite sink's behaviour in a PostgreSQL database, on a
# throwaway cluster (tests/postgres.bash) and the fake TMDB for the whole pipeline.

load test_helper
load postgres

setup_file() {
	start_postgres
	start_fake_tmdb
}

teardown_file() {
	stop_fake_tmdb
	stop_postgres
}

setup() {
	pg_reset
	DB="$BATS_TEST_TMPDIR/warehouse.db"
	IN="$BATS_TEST_TMPDIR/input.jsonl"
}

# A test that failed while a load held the lock lets it go, so Bats need not wait for it.
teardown() {
	touch "$BATS_TEST_TMPDIR/release"
}

# movie ID TITLE BUDGET REVENUE: a movies row; the other columns are fixed.
movie() {
	jq -nc --arg id "$1" --arg title "$2" --argjson budget "$3" --argjson revenue "$4" \
		'{movie_id: $id, title: $title, overview: "o", release_date: "2010-07-16", runtime: 148,
		  budget: $budget, revenue: $revenue, vote_average: 8.4, vote_count: 100, popularity: 20.5}'
}

# credit ID MOVIE ORDER
credit() {
	jq -nc --arg id "$1" --arg movie "$2" --argjson order "$3" \
		'{credit_id: $id, movie_id: $movie, title: "t", person_id: "p\($id)", person_name: "n",
		  character: "c", order: $order, cast_id: $order}'
}

# review ID MOVIE RATING (a JSON number or null)
review() {
	jq -nc --arg id "$1" --arg movie "$2" --argjson rating "$3" \
		'{review_id: $id, movie_id: $movie, title: "t", author: "a", content: "c",
		  created_at: "2020-01-01", updated_at: "2020-01-02", rating: $rating}'
}

# crew ID MOVIE JOB
crew() {
	jq -nc --arg id "$1" --arg movie "$2" --arg job "$3" \
		'{credit_id: $id, movie_id: $movie, person_id: "p\($id)", person_name: "n", department: "d", job: $job}'
}

# genre MOVIE GENRE_ID NAME
genre() {
	jq -nc --arg movie "$1" --argjson id "$2" --arg name "$3" '{movie_id: $movie, genre_id: $id, name: $name}'
}

# schema STREAM: a SCHEMA message for one of the toolkit's tables.
schema() {
	jq -nc --arg stream "$1" '{type: "SCHEMA", stream: $stream, schema: {type: "object", properties: {}},
		key_properties: {movies: ["movie_id"], credits: ["credit_id"], reviews: ["review_id"],
			crew: ["credit_id"], genres: ["movie_id", "genre_id"]}[$stream]}'
}

# record STREAM: wraps each row read from standard input in a RECORD message.
record() {
	jq -c --arg stream "$1" '{type: "RECORD", stream: $stream, record: .}'
}

# Inception (3 cast, 3 reviews, one unrated), Following (zero budget, 1 cast, no
# reviews), Tenet (no cast, 1 review): the same sample as tmdb-load.bats.
sample_stream() {
	schema movies
	schema credits
	schema reviews
	{ movie 1 Inception 160000000 839030630; movie 2 Following 0 48482; movie 3 Tenet 200000000 363656624; } | record movies
	{ credit c1 1 0; credit c2 1 1; credit c3 1 2; credit c4 2 0; } | record credits
	{ review r1 1 8.0; review r2 1 null; review r3 1 6.0; review r4 3 7.5; } | record reviews
}

# load_pg [OPTIONS] [TABLE]: options may follow the command.
load_pg() {
	tmdb-load postgres "$PG_DSN" "$@"
}

# The data of the test database, as pg_dump writes it: what "the database is unchanged"
# compares. Without the \restrict lines, whose key is new in every dump.
dump() {
	"$PG_BIN/pg_dump" --data-only --no-owner | grep -v '^\\\(un\)\?restrict '
}

# column_types TABLE: "name:type" of each column, in order.
column_types() {
	pg_query "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$1'"
}

primary_key() {
	pg_query "SELECT string_agg(k.column_name, ',' ORDER BY k.ordinal_position)
		FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k
		USING (constraint_schema, constraint_name)
		WHERE c.table_schema = 'public' AND c.table_name = '$1' AND c.constraint_type = 'PRIMARY KEY'"
}

ids() {
	pg_query "SELECT string_agg($1, ',' ORDER BY $1) FROM $2"
}

@test "--help names postgres and DSN; a missing DSN is a usage error" {
	run --separate-stderr tmdb-load --help
	assert_success
	assert_output --partial "postgres DSN [TABLE]"
	assert_output --partial "77 the database refused the credentials"
	run -64 --separate-stderr tmdb-load postgres
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"postgres: missing DSN"* ]]
	run -64 --separate-stderr tmdb-load postgres "$PG_DSN" movies extra
}

@test "postgres creates the three tables typed and keyed as declared, and the view" {
	sample_stream >"$IN"
	run --separate-stderr load_pg <"$IN"
	assert_success
	[ -z "$output" ]
	assert_equal "$(column_types movies)" "movie_id:text title:text overview:text release_date:text runtime:bigint budget:bigint revenue:bigint vote_average:double precision vote_count:bigint popularity:double precision"
	assert_equal "$(column_types credits)" "credit_id:text movie_id:text title:text person_id:text person_name:text character:text order:bigint cast_id:bigint"
	assert_equal "$(column_types reviews)" "review_id:text movie_id:text title:text author:text content:text created_at:text updated_at:text rating:double precision"
	assert_equal "$(primary_key movies) $(primary_key credits) $(primary_key reviews)" "movie_id credit_id review_id"
	assert_equal "$(column_types movie_analysis_view)" "movie_id:text title:text release_date:text budget:bigint revenue:bigint vote_average:double precision vote_count:bigint popularity:double precision runtime:bigint cast_size:bigint review_count:bigint avg_review_rating:double precision profit:bigint roi:double precision"
	assert_equal "$(pg_query "SELECT indexdef FROM pg_indexes WHERE indexname IN ('credits_movie_id', 'reviews_movie_id') ORDER BY 1")" \
		"CREATE INDEX credits_movie_id ON public.credits USING btree (movie_id)
CREATE INDEX reviews_movie_id ON public.reviews USING btree (movie_id)"
	assert_equal "$(pg_query 'SELECT count(*) FROM movies; SELECT count(*) FROM credits; SELECT count(*) FROM reviews')" "3
4
4"
	[[ $stderr == *"tmdb-load: movies: 3 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"tmdb-load: credits: 4 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"tmdb-load: reviews: 4 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	# Nothing of the run's staging outlives it.
	assert_equal "$(pg_query "SELECT count(*) FROM pg_class WHERE relname LIKE 'tmdb_load_stage%'")" 0
}

@test "the view: one row per movie with hand-computed counts, averages, profit and roi" {
	sample_stream | load_pg -q
	run pg_query "SELECT json_agg(v ORDER BY movie_id) FROM (SELECT movie_id, cast_size, review_count,
		avg_review_rating, profit, roi, budget, revenue FROM movie_analysis_view) v"
	assert_success
	# Inception: the unrated review is left out of the mean (8 + 6) / 2. Following: no
	# budget, so no roi; no reviews, so a count of 0 and no mean. Tenet: no cast.
	json_eq <(printf '%s' "$output") <(cat <<-'EOF'
		[{"movie_id":"1","cast_size":3,"review_count":3,"avg_review_rating":7.0,"profit":679030630,"roi":4.2439414375,"budget":160000000,"revenue":839030630},
		 {"movie_id":"2","cast_size":1,"review_count":0,"avg_review_rating":null,"profit":48482,"roi":null,"budget":0,"revenue":48482},
		 {"movie_id":"3","cast_size":0,"review_count":1,"avg_review_rating":7.5,"profit":163656624,"roi":0.81828312,"budget":200000000,"revenue":363656624}]
	EOF
	)
	assert_equal "$(pg_query "SELECT title, release_date, vote_average, vote_count, popularity, runtime FROM movie_analysis_view WHERE movie_id = '2'")" "Following|2010-07-16|8.4|100|20.5|148"
}

@test "upserts count inserted, updated and unchanged rows" {
	{ movie 1 Inception 1 2; movie 2 Following 3 4; } | load_pg -q movies
	run --separate-stderr load_pg movies < <(movie 1 Inception 1 2; movie 2 'Following (1998)' 3 4; movie 3 Tenet 5 6)
	assert_success
	assert_equal "$stderr" "tmdb-load: movies: 1 inserted, 1 updated, 1 unchanged, 0 deleted"
	assert_equal "$(pg_query 'SELECT movie_id, title FROM movies ORDER BY movie_id')" "1|Inception
2|Following (1998)
3|Tenet"
	# A null that becomes a value, and back, is a change too (IS DISTINCT FROM, not <>).
	run --separate-stderr load_pg movies < <(movie 1 Inception 1 2 | jq -c '.overview = null')
	assert_equal "$stderr" "tmdb-load: movies: 0 inserted, 1 updated, 0 unchanged, 0 deleted"
	run --separate-stderr load_pg movies < <(movie 1 Inception 1 2 | jq -c '.overview = null')
	assert_equal "$stderr" "tmdb-load: movies: 0 inserted, 0 updated, 1 unchanged, 0 deleted"
	assert_equal "$(pg_query "SELECT overview IS NULL FROM movies WHERE movie_id = '1'")" t
}

@test "a key given several times in one run counts as SQLite counts it, and the last row wins" {
	{ movie 1 Inception 1 2; movie 2 Following 3 4; } >"$BATS_TEST_TMPDIR/first"
	{
		movie 1 Inception 1 2; movie 3 Tenet 5 6; movie 3 Tenet 5 6; movie 3 'Tenet (2020)' 5 6
		movie 1 'Inception (2010)' 1 2; movie 2 Following 3 4; movie 1 Inception 1 2
	} >"$IN"
	load_pg -q movies <"$BATS_TEST_TMPDIR/first"
	tmdb-load -q sqlite "$DB" movies <"$BATS_TEST_TMPDIR/first"
	run --separate-stderr load_pg movies <"$IN"
	assert_success
	pg_counts=$stderr
	run --separate-stderr tmdb-load sqlite "$DB" movies <"$IN"
	assert_equal "$pg_counts" "$stderr"
	assert_equal "$pg_counts" "tmdb-load: movies: 1 inserted, 3 updated, 3 unchanged, 0 deleted"
	assert_equal "$(pg_query 'SELECT movie_id, title FROM movies ORDER BY movie_id')" \
		"$(sqlite3 "$DB" 'SELECT movie_id, title FROM movies ORDER BY movie_id')"
	assert_equal "$(pg_query "SELECT title FROM movies WHERE movie_id = '3'")" "Tenet (2020)"
}

@test "the same input twice leaves the data identical and inserts and updates nothing" {
	sample_stream >"$IN"
	load_pg -q <"$IN"
	dump >"$BATS_TEST_TMPDIR/once"
	pg_query 'SELECT * FROM movies ORDER BY 1; SELECT * FROM credits ORDER BY 1; SELECT * FROM reviews ORDER BY 1' >"$BATS_TEST_TMPDIR/once.rows"
	run --separate-stderr load_pg <"$IN"
	assert_success
	dump >"$BATS_TEST_TMPDIR/twice"
	pg_query 'SELECT * FROM movies ORDER BY 1; SELECT * FROM credits ORDER BY 1; SELECT * FROM reviews ORDER BY 1' >"$BATS_TEST_TMPDIR/twice.rows"
	cmp "$BATS_TEST_TMPDIR/once" "$BATS_TEST_TMPDIR/twice"
	cmp "$BATS_TEST_TMPDIR/once.rows" "$BATS_TEST_TMPDIR/twice.rows"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/once.rows")" -eq 11 ]
	for table in movies credits reviews; do
		[[ $stderr == *"$table: 0 inserted, 0 updated"* ]] || fail "$table: $stderr"
	done
}

@test "re-loading a movie replaces its cast and reviews: exactly the dropped rows go" {
	sample_stream | load_pg -q
	{
		schema movies; schema credits; schema reviews
		movie 1 Inception 160000000 839030630 | record movies
		{ credit c1 1 0; credit c3 1 2; } | record credits
		{ review r1 1 8.0; review r2 1 null; } | record reviews
	} >"$IN"
	run --separate-stderr load_pg <"$IN"
	assert_success
	[[ $stderr == *"credits: 0 inserted, 0 updated, 2 unchanged, 1 deleted"* ]]
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 2 unchanged, 1 deleted"* ]]
	assert_equal "$(ids credit_id credits)" "c1,c3,c4"
	assert_equal "$(ids review_id reviews)" "r1,r2,r4"
}

@test "a movie row alone empties its children; a table not in the input is left alone" {
	sample_stream | load_pg -q
	run --separate-stderr load_pg < <(schema movies; schema credits; schema reviews
		movie 3 Tenet 200000000 363656624 | record movies)
	assert_success
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
	assert_equal "$(pg_query "SELECT count(*) FROM reviews WHERE movie_id = '3'")" 0
	assert_equal "$(pg_query "SELECT count(*) FROM reviews")" 3
	# Plain movies rows replace nothing: no child table is in the input.
	run --separate-stderr load_pg movies < <(movie 1 Inception 160000000 839030630)
	assert_success
	assert_equal "$(pg_query "SELECT count(*) FROM credits WHERE movie_id = '1'")" 3
	# Plain child rows: the movies of the input rows are the parents seen.
	run --separate-stderr load_pg credits < <(credit c1 1 0; credit c9 1 9)
	assert_success
	assert_equal "$stderr" "tmdb-load: credits: 1 inserted, 0 updated, 1 unchanged, 2 deleted"
	assert_equal "$(ids credit_id credits)" "c1,c4,c9"
	assert_equal "$(pg_query "SELECT count(*) FROM reviews")" 3
}

@test "text with tabs, newlines, backslashes and other scripts comes back exactly; null stays apart from empty" {
	jq -nc '
		{movie_id: "1", title: "tab\there", overview: "line1\r\nline2\n", release_date: null, runtime: 0,
		 budget: 9007199254740991, revenue: -5, vote_average: 0.30000000000000004, vote_count: 1, popularity: 1e-7},
		{movie_id: "2\\N", title: "\\N", overview: "", release_date: "", runtime: null,
		 budget: 1, revenue: 1, vote_average: 7, vote_count: 0, popularity: 123456789.5},
		{movie_id: "3", title: "日本語 🎬 \\\\. back\\slash", overview: "\\.", release_date: "2020-01-01", runtime: 1,
		 budget: 1, revenue: 1, vote_average: 8.369, vote_count: 2, popularity: 0.1}' >"$IN"
	run --separate-stderr load_pg movies <"$IN"
	assert_success
	run pg_query "SELECT json_agg(m ORDER BY movie_id) FROM movies m"
	json_eq <(printf '%s' "$output") <(jq -s . "$IN")
	# Loading it again changes nothing: the values compare equal to what they became.
	run --separate-stderr load_pg movies <"$IN"
	assert_equal "$stderr" "tmdb-load: movies: 0 inserted, 0 updated, 3 unchanged, 0 deleted"
}

@test "a bad line after good ones exits 65 naming it, and the database is as before" {
	sample_stream | load_pg -q
	dump >"$BATS_TEST_TMPDIR/before"
	good="$(schema movies; movie 4 Memento 9000000 39723096 | record movies; movie 1 Changed 1 1 | record movies)"
	bad_lines=(
		'not json'
		'[1, 2]'
		'{"type":"BATCH","stream":"movies"}'
		'{"type":"RECORD","stream":"people","record":{"id":1}}'
		'{"type":"RECORD","stream":"movies","record":{"movie_id":"5","budget":"lots"}}'
		'{"type":"RECORD","stream":"movies","record":{"movie_id":"5","vote_average":"8.1"}}'
		'{"type":"RECORD","stream":"movies","record":{"title":"no key"}}'
		'{"type":"RECORD","stream":"movies","record":{"movie_id":null}}'
		'{"type":"RECORD","stream":"movies","record":{"movie_id":"5","tagline":"new"}}'
		'{"movie_id":"5"}'
		'{"type":"SCHEMA","stream":"people","schema":{"properties":{"id":{"type":"integer"}}},"key_properties":["nope"]}'
	)
	for bad in "${bad_lines[@]}"; do
		run -65 --separate-stderr load_pg < <(printf '%s\n' "$good" "$bad")
		[[ $stderr == "tmdb-load: -:4: "* ]] || fail "no line number for '$bad': $stderr"
		dump | cmp - "$BATS_TEST_TMPDIR/before" || fail "the database changed after '$bad'"
	done
	run -65 --separate-stderr load_pg < <(printf '%s\n' "$good" "${bad_lines[4]}")
	assert_equal "$stderr" 'tmdb-load: -:4: movies: column "budget": expected an integer, got a string'
}

@test "a row the database refuses (a CHECK of its own) exits 65 at the end, and nothing is written" {
	sample_stream | load_pg -q
	pg_query 'ALTER TABLE movies ADD CONSTRAINT budget_known CHECK (budget >= 0)'
	dump >"$BATS_TEST_TMPDIR/before"
	run -65 --separate-stderr load_pg movies < <(movie 4 Memento 9000000 39723096; movie 5 Broken -1 0)
	[[ $stderr == *'movies: new row for relation "movies" violates check constraint "budget_known"'* ]]
	dump | cmp - "$BATS_TEST_TMPDIR/before"
}

@test "a column named to inject SQL is refused, and with --alter becomes just a column" {
	sample_stream | load_pg -q
	evil='x"); DROP TABLE movies;--'
	row=$(movie 7 Evil 1 2 | jq -c --arg evil "$evil" '.[$evil] = "payload"')
	run -65 --separate-stderr load_pg movies <<<"$row"
	[[ $stderr == *'DROP TABLE movies'*'--alter adds it'* ]]
	run --separate-stderr load_pg --alter movies <<<"$row"
	assert_success
	assert_equal "$(pg_query 'SELECT count(*) FROM movies')" 4
	assert_equal "$(pg_query "SELECT data_type FROM information_schema.columns WHERE table_name = 'movies' AND column_name = 'x\"); DROP TABLE movies;--'")" text
	assert_equal "$(pg_query "SELECT \"x\"\"); DROP TABLE movies;--\" FROM movies WHERE movie_id = '7'")" payload
	# A table name is quoted the same way.
	run --separate-stderr load_pg < <(jq -nc --arg s "movies\"; DROP TABLE credits;--" \
		'{type: "SCHEMA", stream: $s, schema: {properties: {id: {type: "string"}}}, key_properties: ["id"]},
		 {type: "RECORD", stream: $s, record: {id: "1"}}')
	assert_success
	assert_equal "$(pg_query "SELECT count(*) FROM credits; SELECT id FROM \"movies\"\"; DROP TABLE credits;--\"")" "4
1"
}

@test "--alter adds a column typed from its first value; names PostgreSQL would cut short are refused" {
	movie 1 Inception 1 2 | load_pg -q movies
	run -65 --separate-stderr load_pg movies < <(movie 2 Tenet 3 4 | jq -c '.imdb_rank = 12')
	[[ $stderr == *'-:1: movies: column "imdb_rank": the table has no such column (--alter adds it)'* ]]
	run --separate-stderr load_pg --alter movies < <(movie 2 Tenet 3 4 | jq -c '.imdb_rank = 12 | .tagline = "Time runs out" | .score = 0.5')
	assert_success
	assert_equal "$(pg_query "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'movies' AND ordinal_position > 10")" "imdb_rank:bigint tagline:text score:double precision"
	assert_equal "$(pg_query "SELECT movie_id, imdb_rank, tagline FROM movies ORDER BY 1")" "1||
2|12|Time runs out"
	# Once added, the column is the table's own: no --alter needed any more.
	run --separate-stderr load_pg movies < <(movie 3 Memento 5 6 | jq -c '.imdb_rank = 40')
	assert_success
	long=$(printf 'c%.0s' {1..64})
	run -65 --separate-stderr load_pg --alter movies < <(movie 4 Long 1 1 | jq -c --arg c "$long" '.[$c] = 1')
	[[ $stderr == *"longer than PostgreSQL's 63-byte names"* ]]
}

@test "a Singer stream of another table: types and key from its SCHEMA" {
	{
		jq -nc '{type: "SCHEMA", stream: "people", key_properties: ["source", "id"],
			schema: {type: "object", properties: {source: {type: "string"}, id: {type: ["integer", "null"]},
			height: {type: ["number", "null"]}, alive: {type: "boolean"}, tags: {type: "array"}, extra: {type: "object"}}}}'
		jq -nc '{type: "RECORD", stream: "people", record: {source: "tmdb", id: 525, height: 1.81, alive: true, tags: ["a", "b"], extra: {k: 1.5}}}'
		jq -nc '{type: "STATE", value: {bookmark: 1}}'
		jq -nc '{type: "RECORD", stream: "people", record: {source: "imdb", id: 525, alive: false}}'
	} >"$IN"
	run --separate-stderr load_pg <"$IN"
	assert_success
	assert_equal "$stderr" "tmdb-load: people: 2 inserted, 0 updated, 0 unchanged, 0 deleted"
	assert_equal "$(column_types people)" "source:text id:bigint height:double precision alive:bigint tags:text extra:text"
	assert_equal "$(primary_key people)" "source,id"
	assert_equal "$(pg_query "SELECT source, id, height, alive, tags, extra FROM people ORDER BY source")" \
		'imdb|525||0||
tmdb|525|1.81|1|["a","b"]|{"k":1.5}'
	# No tables of the toolkit were asked for, so none were made.
	assert_equal "$(pg_query "SELECT count(*) FROM pg_tables WHERE tablename = 'movies'")" 0
}

@test "the tables go to the DSN's schema (search_path), never elsewhere" {
	pg_query 'CREATE SCHEMA warehouse'
	run --separate-stderr tmdb-load postgres "$PG_DSN&options=-csearch_path%3Dwarehouse" < <(sample_stream)
	assert_success
	assert_equal "$(pg_query "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")" 0
	assert_equal "$(pg_query "SELECT string_agg(table_name, ' ' ORDER BY table_name) FROM information_schema.tables
		WHERE table_schema = 'warehouse' AND table_name IN ('movies', 'credits', 'reviews', 'movie_analysis_view')")" \
		"credits movie_analysis_view movies reviews"
	assert_equal "$(pg_query 'SELECT count(*) FROM warehouse.movie_analysis_view')" 3
}

# Starts a load that holds the load lock until the test creates $BATS_TEST_TMPDIR/release:
# its input stays open until then. Sets holder to its PID.
start_holding_load() {
	{ cat "$1"; while [ ! -e "$BATS_TEST_TMPDIR/release" ]; do sleep 0.05; done; } |
		tmdb-load postgres "$PG_DSN" 2>"$BATS_TEST_TMPDIR/holder.err" 3>&- &
	holder=$!
}

# wait_for_lock_waiters N: until N sessions wait for an advisory lock (at most ~10 s).
wait_for_lock_waiters() {
	for _ in $(seq 200); do
		[ "$(pg_query "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")" -eq "$1" ] && return 0
		sleep 0.05
	done
	fail "no load waited for the lock"
}

# Until the holding load has the load lock (at most ~10 s).
wait_for_holder() {
	for _ in $(seq 200); do
		[ "$(pg_query "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")" -eq 1 ] && return 0
		sleep 0.05
	done
	fail "the first load never took the load lock"
}

@test "two loads of the same stream at once: with --wait the second waits for the first, nothing doubles or goes" {
	sample_stream >"$IN"
	start_holding_load "$IN"
	wait_for_holder
	tmdb-load --wait postgres "$PG_DSN" <"$IN" 2>"$BATS_TEST_TMPDIR/second.err" 3>&- &
	second=$!
	wait_for_lock_waiters 1
	touch "$BATS_TEST_TMPDIR/release"
	wait "$holder"
	wait "$second"
	grep -q 'movies: 3 inserted, 0 updated, 0 unchanged' "$BATS_TEST_TMPDIR/holder.err"
	grep -q 'movies: 0 inserted, 0 updated, 3 unchanged' "$BATS_TEST_TMPDIR/second.err"
	grep -q 'credits: 0 inserted, 0 updated, 4 unchanged, 0 deleted' "$BATS_TEST_TMPDIR/second.err"
	assert_equal "$(ids movie_id movies) $(ids credit_id credits) $(ids review_id reviews)" "1,2,3 c1,c2,c3,c4 r1,r2,r3,r4"
	# And a crowd of them, started together: every one succeeds, the rows stay as once.
	pids=()
	for i in 1 2 3 4; do
		tmdb-load -q --wait postgres "$PG_DSN" <"$IN" 2>"$BATS_TEST_TMPDIR/crowd.$i" 3>&- &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid"; done
	assert_equal "$(pg_query 'SELECT count(*) FROM movies; SELECT count(*) FROM credits; SELECT count(*) FROM reviews')" "3
4
4"
}

@test "without --wait a second load exits 75 at once naming the holder, nothing written; with --wait both land" {
	sample_stream >"$IN"
	start_holding_load "$IN"
	wait_for_holder
	holder_backend=$(pg_query "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted")
	run --separate-stderr timeout 60 tmdb-load postgres "$PG_DSN" movies < <(movie 9 Other 1 1)
	[ "$status" -eq 75 ] || fail "exited $status: $stderr"
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ $stderr == "tmdb-load: "*": in use by tmdb-load (backend pid $holder_backend"*"); --wait to wait for it" ]] || fail "$stderr"
	# --wait: no lock_timeout for the load lock, however short --busy-timeout is.
	tmdb-load --busy-timeout 1 --wait postgres "$PG_DSN" movies < <(movie 9 Other 1 1) 2>"$BATS_TEST_TMPDIR/second.err" 3>&- &
	second=$!
	wait_for_lock_waiters 1
	sleep 0.2
	touch "$BATS_TEST_TMPDIR/release"
	wait "$holder"
	wait "$second" || fail "the waiting load failed: $(cat "$BATS_TEST_TMPDIR/second.err")"
	assert_equal "$(ids movie_id movies)" "1,2,3,9"
}

@test "--busy-timeout bounds the wait for a table another session locks: 74, nothing written" {
	sample_stream | tmdb-load -q postgres "$PG_DSN"
	{
		echo "BEGIN; LOCK TABLE movies IN ACCESS EXCLUSIVE MODE; SELECT 1;"
		while [ ! -e "$BATS_TEST_TMPDIR/release" ]; do sleep 0.05; done
		echo "COMMIT;"
	} | "$PG_BIN/psql" -X -q -o /dev/null 3>&- &
	locker=$!
	for _ in $(seq 200); do
		[ "$(pg_query "SELECT count(*) FROM pg_locks WHERE relation = 'movies'::regclass AND mode = 'AccessExclusiveLock' AND granted")" -eq 1 ] && break
		sleep 0.05
	done
	run --separate-stderr timeout 60 tmdb-load --busy-timeout 200 postgres "$PG_DSN" movies < <(movie 9 Other 1 1)
	touch "$BATS_TEST_TMPDIR/release"
	wait "$locker"
	[ "$status" -eq 74 ] || fail "exited $status: $stderr"
	[[ $stderr == *"lock timeout"* ]]
	assert_equal "$(ids movie_id movies)" "1,2,3"
}

@test "a password from PGPASSWORD or the DSN works and never shows, even with -vvv" {
	secret_dsn_with_password="postgresql://$PG_SECRET_USER:$PG_SECRET_PASSWORD@127.0.0.1:$PGPORT/tmdb_secret"
	sample_stream >"$IN"
	PGPASSWORD=$PG_SECRET_PASSWORD run --separate-stderr tmdb-load -vvv postgres "$PG_SECRET_DSN" <"$IN"
	assert_success
	[[ $stderr == *"$PG_SECRET_USER@127.0.0.1:$PGPORT/tmdb_secret"* ]]
	[[ $stderr == *"movies: 3 inserted"* ]]
	[[ $stderr != *"$PG_SECRET_PASSWORD"* ]]
	run --separate-stderr tmdb-load -vvv postgres "$secret_dsn_with_password" <"$IN"
	assert_success
	[[ $stderr == *"movies: 0 inserted, 0 updated, 3 unchanged"* ]]
	[[ $stderr != *"$PG_SECRET_PASSWORD"* ]]
	assert_equal "$(pg_query 'SELECT count(*) FROM movies' -d tmdb_secret)" 3
	# Failures name the database as user@host:port/dbname, without the password.
	run -69 --separate-stderr tmdb-load -vvv postgres "postgresql://$PG_SECRET_USER:$PG_SECRET_PASSWORD@127.0.0.1:$PGPORT/no_such_db" <"$IN"
	[[ $stderr == *"$PG_SECRET_USER@127.0.0.1:$PGPORT/no_such_db: cannot connect"* ]]
	[[ $stderr != *"$PG_SECRET_PASSWORD"* ]]
}

@test "refused credentials exit 77: no password, or a wrong one" {
	run -77 --separate-stderr tmdb-load postgres "$PG_SECRET_DSN" </dev/null
	[[ $stderr == *"$PG_SECRET_USER@127.0.0.1:$PGPORT/tmdb_secret: cannot connect"*"no password supplied"* ]]
	PGPASSWORD=wrong-$PG_SECRET_PASSWORD run -77 --separate-stderr tmdb-load -vvv postgres "$PG_SECRET_DSN" </dev/null
	[[ $stderr == *"password authentication failed"* ]]
	[[ $stderr != *"$PG_SECRET_PASSWORD"* ]]
}

@test "an unreachable server exits 69; a DSN that does not parse exits 64" {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	run -69 --separate-stderr timeout 60 tmdb-load postgres "postgresql://nobody@127.0.0.1:$port/tmdb" movies < <(movie 1 Inception 1 2)
	[[ $stderr == "tmdb-load: nobody@127.0.0.1:$port/tmdb: cannot connect: "*"Connection refused"* ]]
	run -69 --separate-stderr timeout 60 tmdb-load postgres "host=$BATS_TEST_TMPDIR/nowhere dbname=tmdb" </dev/null
	run -64 --separate-stderr tmdb-load postgres "host=localhost password hunter2" </dev/null
	[[ $stderr == *"the DSN is neither a connection string nor a URI"* ]]
	[[ $stderr != *hunter2* ]]
}

@test "crew and genres: keyed (credit_id) and (movie_id, genre_id), replaced per movie as in SQLite" {
	{
		schema movies; schema crew; schema genres
		{ movie 1 Inception 160000000 839030630; movie 2 Following 0 48482; } | record movies
		{ crew k1 1 Director; crew k2 1 Writer; crew k3 2 Director; } | record crew
		{ genre 1 18 Drama; genre 1 28 Action; genre 2 18 Drama; } | record genres
	} >"$IN"
	load_pg -q <"$IN"
	assert_equal "$(primary_key crew) $(primary_key genres)" "credit_id movie_id,genre_id"
	assert_equal "$(column_types genres)" "movie_id:text genre_id:bigint name:text"
	# Inception again: k2 and genre 28 gone, 878 new; Following's genre 18 stays.
	{
		schema movies; schema crew; schema genres
		movie 1 Inception 160000000 839030630 | record movies
		crew k1 1 'Director, Writer' | record crew
		{ genre 1 18 Drama; genre 1 878 'Science Fiction'; } | record genres
	} >"$BATS_TEST_TMPDIR/again"
	run --separate-stderr load_pg <"$BATS_TEST_TMPDIR/again"
	assert_success
	[[ $stderr == *"crew: 0 inserted, 1 updated, 0 unchanged, 1 deleted"* ]]
	[[ $stderr == *"genres: 1 inserted, 0 updated, 1 unchanged, 1 deleted"* ]]
	assert_equal "$(pg_query "SELECT credit_id || ':' || job FROM crew ORDER BY 1")" "k1:Director, Writer
k3:Director"
	assert_equal "$(pg_query "SELECT movie_id || ':' || genre_id FROM genres ORDER BY movie_id, genre_id")" "1:18
1:878
2:18"
}

@test "the last STATE comes out on stdout once committed; a failed run prints none" {
	{
		schema movies
		movie 1 Inception 1 2 | record movies
		jq -nc '{type: "STATE", value: {bookmark: 1}}'
		jq -nc '{type: "METRIC", value: 1}'
		jq -nc '{type: "STATE", value: {bookmark: 2}}'
	} >"$IN"
	run --separate-stderr load_pg <"$IN"
	assert_success
	assert_equal "$output" '{"bookmark":2}'
	run -65 --separate-stderr load_pg < <(cat "$IN"; movie 2 Tenet 3 4 | jq -c '.budget = "lots"' | record movies)
	[ -z "$output" ]
	assert_equal "$(ids movie_id movies)" 1
}

@test "tmdb-fetch | tmdb-shape --all | tmdb-load postgres gives the rows SQLite gets" {
	fetch() { tmdb-fetch person 525 | tmdb-director | tmdb-fetch movie | tmdb-shape --all; }
	run --separate-stderr bash -c "$(declare -f fetch); fetch | tmdb-load postgres '$PG_DSN'"
	assert_success
	pg_summary=$stderr
	fetch | tmdb-load sqlite "$DB" 2>"$BATS_TEST_TMPDIR/sqlite.err"
	assert_equal "$pg_summary" "$(cat "$BATS_TEST_TMPDIR/sqlite.err")"
	tables=$(sqlite3 "$DB" "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY 1")
	[[ $tables == *movie_analysis_view*movies* ]]
	for table in $tables; do
		sqlite3 -csv "$DB" "SELECT * FROM $table" | sorted_csv >"$BATS_TEST_TMPDIR/sqlite.$table"
		"$PG_BIN/psql" -X -q --csv -t -c "SELECT * FROM $table" | sorted_csv >"$BATS_TEST_TMPDIR/pg.$table"
		# The sync tables stay empty: these movie lines carry no _sync.
		case $table in memberships | sync_state) ;; *) [ -s "$BATS_TEST_TMPDIR/pg.$table" ] ;; esac
		diff "$BATS_TEST_TMPDIR/sqlite.$table" "$BATS_TEST_TMPDIR/pg.$table" || fail "$table differs"
	done
}

# Deletions (Singer's _sdc_deleted_at), holding (memberships), --print-state: as in
# tmdb-load.bats for SQLite and CSV.

load sync_rows

# Inception (1) held by 525 and 99, Following (2) by 525 alone, Tenet (3) by no one.
sync_stream() {
	for table in movies credits reviews crew genres memberships sync_state; do schema "$table"; done
	{ movie 1 Inception 160000000 839030630; movie 2 Following 0 48482; movie 3 Tenet 200000000 363656624; } | record movies
	{ credit c1 1 0; credit c2 1 1; credit c4 2 0; } | record credits
	{ review r1 1 8.0; review r4 3 7.5; } | record reviews
	{ crew k1 1 Director; crew k3 2 Director; } | record crew
	{ genre 1 18 Drama; genre 2 18 Drama; genre 3 28 Action; } | record genres
	{ member 525 Director 1; member 99 Director 1; member 525 Director 2; } | record memberships
	{ etag /movie/1 1 'W/"e1"'; etag /movie/1/reviews 1 'W/"e1b"'; etag /movie/2 2 'W/"e2"'; etag /movie/3 3 'W/"e3"'; } | record sync_state
}

@test "deleting a movie removes it and its child rows; an absent row deletes nothing; never a column" {
	sync_stream | load_pg -q
	# Rows put earlier in the same run are deleted too; only the key is needed.
	run --separate-stderr load_pg --alter < <(schema movies; schema credits
		credit c5 2 5 | record credits
		jq -nc '{movie_id: "2", title: 7, nonsense: true}' | deleted | record movies
		jq -nc '{movie_id: "42"}' | deleted | record movies
		movie 4 Memento 9000000 39723096 | jq -c '. + {_sdc_deleted_at: null}' | record movies)
	assert_success
	[[ $stderr == *"movies: 1 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$stderr"
	[[ $stderr == *"credits: 1 inserted, 0 updated, 0 unchanged, 2 deleted"* ]]
	for table in crew genres sync_state; do
		[[ $stderr == *"$table: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$table: $stderr"
	done
	assert_equal "$(ids movie_id movies)" "1,3,4"
	assert_equal "$(ids credit_id credits)" "c1,c2"
	assert_equal "$(ids credit_id crew)" "k1"
	assert_equal "$(ids request sync_state)" "/movie/1,/movie/1/reviews,/movie/3"
	assert_equal "$(column_types movies | grep -c -e _sdc -e nonsense)" 0
	# A plain row of TABLE is a deletion too.
	run --separate-stderr load_pg movies <<<'{"movie_id": "3", "_sdc_deleted_at": 1}'
	assert_success
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
	assert_equal "$(ids movie_id movies)" "1,4"
	assert_equal "$(ids review_id reviews)" "r1"
}

@test "a movie goes when its last membership is deleted, stays while another holds it, never unheld" {
	sync_stream | load_pg -q
	run --separate-stderr load_pg memberships < <(member 525 Director 1 | deleted)
	assert_success
	[[ $stderr == *"memberships: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$stderr"
	assert_equal "$(ids movie_id movies)" "1,2,3"
	run --separate-stderr load_pg < <(schema memberships; member 525 Director 2 | deleted | record memberships)
	assert_success
	[[ $stderr == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$stderr"
	[[ $stderr == *"credits: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
	assert_equal "$(ids movie_id movies)" "1,3"
	assert_equal "$(ids credit_id crew)" "k1"
	run --separate-stderr load_pg memberships < <(member 7 Director 3 | deleted)
	assert_success
	run --separate-stderr load_pg memberships < <(member 99 Director 1 | deleted; member 5 Writer 1)
	assert_success
	assert_equal "$(ids movie_id movies)" "1,3"
	assert_equal "$(ids person_id memberships)" "5"
}

@test "--print-state: the empty state without the tables, creating nothing; then exactly what movies hold" {
	run --separate-stderr tmdb-load --print-state postgres "$PG_DSN" <<<'not json: standard input is not read'
	assert_success
	assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
	assert_equal "$(pg_query "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = 'public'")" 0
	sync_stream | load_pg -q
	run --separate-stderr tmdb-load --print-state postgres "$PG_DSN"
	assert_success
	assert_equal "$output" '{"version":1,"etags":{"/movie/1":"W/\"e1\"","/movie/1/reviews":"W/\"e1b\"","/movie/2":"W/\"e2\"","/movie/3":"W/\"e3\""},"members":[{"person_id":"525","job":"Director","movie_id":"1"},{"person_id":"525","job":"Director","movie_id":"2"},{"person_id":"99","job":"Director","movie_id":"1"}]}'
	pg_query "DELETE FROM movies WHERE movie_id <> '3'" >/dev/null
	run --separate-stderr tmdb-load --print-state postgres "$PG_DSN"
	assert_equal "$output" '{"version":1,"etags":{"/movie/3":"W/\"e3\""},"members":[]}'
	pg_query "DROP TABLE movies CASCADE" >/dev/null
	run --separate-stderr tmdb-load --print-state postgres "$PG_DSN"
	assert_success
	assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
}

@test "--print-state --ids FILE: only the listed movies' state, as sqlite's" {
	sync_stream | load_pg -q
	sync_stream | tmdb-load -q sqlite "$DB"
	printf '2\n{"adult":false,"id":3}\n99\n2\n' >"$BATS_TEST_TMPDIR/ids"
	run --separate-stderr tmdb-load --print-state --ids "$BATS_TEST_TMPDIR/ids" postgres "$PG_DSN"
	assert_success
	assert_equal "$output" '{"version":1,"etags":{"/movie/2":"W/\"e2\"","/movie/3":"W/\"e3\""},"members":[{"person_id":"525","job":"Director","movie_id":"2"}]}'
	assert_equal "$output" "$(tmdb-load --print-state --ids - sqlite "$DB" <"$BATS_TEST_TMPDIR/ids")"
	run --separate-stderr tmdb-load --print-state --ids /dev/null postgres "$PG_DSN"
	assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
}

@test "tmdb-fetch --state reads what --print-state prints: an unchanged source prints nothing" {
	tmdb-fetch --state-out "$BATS_TEST_TMPDIR/s1" movie 155 550 >"$BATS_TEST_TMPDIR/movies.jsonl"
	# Each movie's line carries its ETags in _sync, as a sync's lines do.
	jq -c --slurpfile state "$BATS_TEST_TMPDIR/s1" '(.id | tostring) as $id | . + {_sync: {
		members: [{person_id: "525", job: "Director"}],
		etags: [$state[0].etags | to_entries[] | select(.key | test("/movie/" + $id + "([^0-9]|$)"))
			| {request: .key, etag: .value}]}}' "$BATS_TEST_TMPDIR/movies.jsonl" >"$BATS_TEST_TMPDIR/synced.jsonl"
	tmdb-shape --all "$BATS_TEST_TMPDIR/synced.jsonl" | tmdb-load -q sqlite "$DB"
	tmdb-shape --all "$BATS_TEST_TMPDIR/synced.jsonl" | load_pg -q
	tmdb-load --print-state sqlite "$DB" >"$BATS_TEST_TMPDIR/sqlite.json"
	tmdb-load --print-state postgres "$PG_DSN" >"$BATS_TEST_TMPDIR/pg.json"
	cmp "$BATS_TEST_TMPDIR/sqlite.json" "$BATS_TEST_TMPDIR/pg.json"
	assert_equal "$(jq -c .etags "$BATS_TEST_TMPDIR/pg.json")" "$(jq -c .etags "$BATS_TEST_TMPDIR/s1")"
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state "$BATS_TEST_TMPDIR/pg.json" movie 155 550
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"0 fetched, 2 unchanged, 0 not found"* ]]
}

@test "--fresh-since resumes a sync into PostgreSQL: only the movies not committed are asked, and it ends as a clean sync" {
	set -o pipefail
	cd "$BATS_TEST_TMPDIR" || return
	t0=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	tmdb-fetch person 525 | tmdb-director --sync >ids
	# A run cut short after 6 of the 13 movies, like a killed one whose load committed them.
	run -65 --separate-stderr tmdb-fetch --state none movie < <(head -7 ids)
	printf '%s\n' "$output" | tmdb-shape --all | load_pg -q
	committed=$(pg_query 'SELECT movie_id FROM movies ORDER BY movie_id::int' | paste -sd' ' -)
	[ "$(wc -w <<<"$committed")" -eq 6 ]
	tmdb-load --print-state postgres "$PG_DSN" >state.json
	jq -e --arg t0 "$t0" '(.fetched | length) > 6 and (.fetched | keys) == (.etags | keys) and all(.fetched[]; . >= $t0)' state.json
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state state.json --fresh-since "$t0" movie <ids
	assert_success
	[[ $stderr == *"7 fetched, 6 unchanged (6 fresh, not asked), 0 not found"* ]] || fail "$stderr"
	asked=$(fake_requests '.path' | jq -r 'capture("^/3/movie/(?<id>[0-9]+)").id // empty' | sort -u)
	assert_equal "$(comm -12 <(echo "$asked") <(tr ' ' '\n' <<<"$committed" | sort))" ""
	[ "$(wc -l <<<"$asked")" -eq 7 ]
	printf '%s\n' "$output" | tmdb-shape --all | load_pg -q
	tmdb-fetch movie <ids | tmdb-shape --all | tmdb-load -q sqlite "$DB"
	for table in movies credits reviews crew genres memberships sync_state; do
		columns=$(dump_columns "$table")
		sqlite3 -csv "$DB" "SELECT $columns FROM $table" | sorted_csv >"sqlite.$table"
		"$PG_BIN/psql" -X -q --csv -t -c "SELECT $columns FROM $table" | sorted_csv >"pg.$table"
		diff "sqlite.$table" "pg.$table" || fail "$table differs from a clean sync's"
	done
	[ "$(pg_query 'SELECT count(*) FROM memberships')" -eq 13 ]
	[ "$(pg_query "SELECT count(*) FROM sync_state WHERE fetched_at IS NULL OR fetched_at < '$t0'")" -eq 0 ]
}

@test "a sync_state made before fetched_at gets the column without --alter; --print-state reads it before and after" {
	sync_stream | load_pg -q
	pg_query 'ALTER TABLE sync_state DROP COLUMN fetched_at'
	run --separate-stderr tmdb-load --print-state postgres "$PG_DSN"
	assert_success
	jq -e '.fetched == null and (.etags | length) == 4' <<<"$output"
	run --separate-stderr load_pg < <(schema sync_state; etag /movie/2 2 'W/"e2b"' 2026-03-01T10:00:00Z | record sync_state)
	assert_success
	[[ $stderr == *"sync_state: 0 inserted, 1 updated"* ]] || fail "$stderr"
	assert_equal "$(column_types sync_state)" "request:text movie_id:text etag:text fetched_at:text"
	run --separate-stderr tmdb-load --print-state postgres "$PG_DSN"
	assert_success
	assert_equal "$(jq -c .fetched <<<"$output")" '{"/movie/2":"2026-03-01T10:00:00Z"}'
	assert_equal "$(jq -r '.etags["/movie/2"]' <<<"$output")" 'W/"e2b"'
}

@test "a tap's stream as taps write it (tests/fixtures/singer/tap-github.jsonl): the same rows as in SQLite, twice" {
	github="$BATS_TEST_DIRNAME/fixtures/singer/tap-github.jsonl"
	for _ in 1 2; do
		run --separate-stderr tmdb-load postgres "$PG_DSN" <"$github"
		assert_success
		assert_equal "$output" "$(tail -1 "$github" | jq -c .value)"
	done
	[[ $stderr == *'stream "issues": a RECORD has field "performed_via_github_app", which its SCHEMA does not declare'* ]] ||
		fail "$stderr"
	assert_equal "$(pg_query "SELECT string_agg(column_name || ':' || data_type, ' ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_name = 'issues'")" \
		"id:bigint number:bigint title:text state:text user:text labels:text updated_at:text reactions:text score:double precision _sdc_repository:text _sdc_extracted_at:text closed_at:text"
	# Row by row, as SQLite holds them (reals printed as SQLite prints them).
	tmdb-load -q sqlite "$DB" <"$github" >/dev/null
	pg_query "SELECT id, number, title, state, \"user\", labels, updated_at, reactions,
		to_char(score, 'FM999990.0'), _sdc_repository, _sdc_extracted_at, closed_at FROM issues ORDER BY id" -F '|' |
		diff - <(sqlite3 "$DB" "SELECT * FROM issues ORDER BY id")
}

@test "a stream with empty key_properties (tests/fixtures/singer/tap-csv.jsonl) is appended to, each run again, as in SQLite" {
	csv_tap="$BATS_TEST_DIRNAME/fixtures/singer/tap-csv.jsonl"
	for _ in 1 2; do
		run --separate-stderr tmdb-load postgres "$PG_DSN" <"$csv_tap"
		assert_success
		assert_equal "$stderr" "tmdb-load: visits: 5 inserted, 0 updated, 0 unchanged, 0 deleted"
		tmdb-load -q sqlite "$DB" <"$csv_tap" >/dev/null
	done
	assert_equal "$(pg_query "SELECT count(*) FROM information_schema.table_constraints
		WHERE table_name = 'visits' AND constraint_type = 'PRIMARY KEY'")" 0
	# Row by row: the same rows as SQLite, each as many times.
	pg_query "SELECT coalesce(day, 'NULL') COLLATE \"C\" AS d, page COLLATE \"C\" AS p, visitors COLLATE \"C\" AS v FROM visits ORDER BY d, p, v" -F '|' |
		diff - <(sqlite3 "$DB" "SELECT ifnull(day, 'NULL'), page, visitors FROM visits ORDER BY 1, 2, 3")
	[ "$(pg_query "SELECT count(*) FROM visits")" -eq 10 ]
}

@test "ACTIVATE_VERSION (tests/fixtures/singer/tap-postgres-N.jsonl): the older version's rows go, as in SQLite" {
	tap_pg="$BATS_TEST_DIRNAME/fixtures/singer/tap-postgres"
	for sync in 1 2; do
		run --separate-stderr tmdb-load postgres "$PG_DSN" <"$tap_pg-$sync.jsonl"
		assert_success
		tmdb-load -q sqlite "$DB" <"$tap_pg-$sync.jsonl" >/dev/null
	done
	assert_equal "$stderr" "tmdb-load: public-customers: 0 inserted, 2 updated, 0 unchanged, 1 deleted"
	pg_query 'SELECT id, name, to_char(balance, '"'FM999990.0'"'), since, _sdc_table_version FROM "public-customers" ORDER BY id' -F '|' |
		diff - <(sqlite3 "$DB" 'SELECT * FROM "public-customers" ORDER BY id')
	[ "$(pg_query 'SELECT count(*) FROM "public-customers"')" -eq 2 ]
}

@test "--config FILE with a postgres destination: the load its DSN names, which no message prints" {
	jq -n --arg dsn "$PG_DSN" '{type: "postgres", dsn: $dsn, batch: 1, wait: true}' >"$BATS_TEST_TMPDIR/target.json"
	run --separate-stderr tmdb-load --config "$BATS_TEST_TMPDIR/target.json" <"$BATS_TEST_DIRNAME/fixtures/singer/tap-csv.jsonl"
	assert_success
	assert_equal "$stderr" "tmdb-load: visits: 5 inserted, 0 updated, 0 unchanged, 0 deleted"
	[ "$(pg_query 'SELECT count(*) FROM visits')" -eq 5 ]
}
