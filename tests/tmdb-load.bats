#!/usr/bin/env bats
# tmdb-load: plain rows and Singer streams into SQLite and CSV, all or nothing.

load test_helper
load bad_json

setup() {
	DB="$BATS_TEST_TMPDIR/warehouse.db"
	DIR="$BATS_TEST_TMPDIR/csv"
	IN="$BATS_TEST_TMPDIR/input.jsonl"
}

# A test that failed while a slow load waited for input ends that load.
teardown() {
	if [[ -n ${holder:-} ]]; then kill "$holder" 2>/dev/null || true; fi
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

# crew ID MOVIE JOB
crew() {
	jq -nc --arg id "$1" --arg movie "$2" --arg job "$3" \
		'{credit_id: $id, movie_id: $movie, person_id: "p\($id)", person_name: "n", department: "d", job: $job}'
}

# genre MOVIE GENRE_ID NAME
genre() {
	jq -nc --arg movie "$1" --argjson id "$2" --arg name "$3" '{movie_id: $movie, genre_id: $id, name: $name}'
}

# review ID MOVIE RATING (a JSON number or null)
review() {
	jq -nc --arg id "$1" --arg movie "$2" --argjson rating "$3" \
		'{review_id: $id, movie_id: $movie, title: "t", author: "a", content: "c",
		  created_at: "2020-01-01", updated_at: "2020-01-02", rating: $rating}'
}

# schema STREAM: a SCHEMA message for one of the toolkit's tables (which take their
# columns from lib/tables.c, not from the message).
schema() {
	jq -nc --arg stream "$1" '{type: "SCHEMA", stream: $stream, schema: {type: "object", properties: {}},
		key_properties: {movies: ["movie_id"], credits: ["credit_id"], reviews: ["review_id"],
			crew: ["credit_id"], genres: ["movie_id", "genre_id"]}[$stream]}'
}

# record STREAM: wraps each row read from standard input in a RECORD message.
record() {
	jq -c --arg stream "$1" '{type: "RECORD", stream: $stream, record: .}'
}

# The sample warehouse as a Singer stream: Inception (3 cast, 3 reviews, one unrated),
# Following (zero budget, 1 cast, no reviews), Tenet (no cast, 1 review).
sample_stream() {
	schema movies
	schema credits
	schema reviews
	{ movie 1 Inception 160000000 839030630; movie 2 Following 0 48482; movie 3 Tenet 200000000 363656624; } | record movies
	{ credit c1 1 0; credit c2 1 1; credit c3 1 2; credit c4 2 0; } | record credits
	{ review r1 1 8.0; review r2 1 null; review r3 1 6.0; review r4 3 7.5; } | record reviews
}

dump() {
	sqlite3 "$DB" .dump
}

@test "--help lists every option on stdout; --version names the program" {
	run --separate-stderr tmdb-load --help
	assert_success
	for option in --alter --busy-timeout --wait --quiet --verbose --help --version sqlite csv; do
		assert_output --partial -- "$option"
	done
	[ -z "$stderr" ]
	run tmdb-load --version
	assert_output --regexp '^tmdb-load [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad command line exits 64 with the usage on stderr" {
	run -64 --separate-stderr tmdb-load
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr tmdb-load mysql db
	[[ $stderr == *"unknown command 'mysql'"* ]]
	run -64 --separate-stderr tmdb-load sqlite
	[[ $stderr == *"missing DB"* ]]
	run -64 --separate-stderr tmdb-load csv -
	[[ $stderr == *"standard output takes one TABLE"* ]]
	run -64 --separate-stderr tmdb-load --busy-timeout soon sqlite "$DB"
	[[ $stderr == *--busy-timeout* ]]
	run -64 --separate-stderr tmdb-load sqlite "$DB" movies extra
	[ ! -e "$DB" ]
}

@test "sqlite creates the toolkit's seven tables typed and keyed as declared, and the view" {
	sample_stream >"$IN"
	run --separate-stderr tmdb-load sqlite "$DB" <"$IN"
	assert_success
	[ -z "$output" ]
	info() { sqlite3 "$DB" "SELECT group_concat(name || ':' || type || ':' || pk, ' ') FROM pragma_table_info('$1')"; }
	assert_equal "$(info movies)" "movie_id:TEXT:1 title:TEXT:0 overview:TEXT:0 release_date:TEXT:0 runtime:INTEGER:0 budget:INTEGER:0 revenue:INTEGER:0 vote_average:REAL:0 vote_count:INTEGER:0 popularity:REAL:0"
	assert_equal "$(info credits)" "credit_id:TEXT:1 movie_id:TEXT:0 title:TEXT:0 person_id:TEXT:0 person_name:TEXT:0 character:TEXT:0 order:INTEGER:0 cast_id:INTEGER:0"
	assert_equal "$(info reviews)" "review_id:TEXT:1 movie_id:TEXT:0 title:TEXT:0 author:TEXT:0 content:TEXT:0 created_at:TEXT:0 updated_at:TEXT:0 rating:REAL:0"
	# Created alongside, though this input has none of their rows.
	assert_equal "$(info crew)" "credit_id:TEXT:1 movie_id:TEXT:0 person_id:TEXT:0 person_name:TEXT:0 department:TEXT:0 job:TEXT:0"
	assert_equal "$(info genres)" "movie_id:TEXT:1 genre_id:INTEGER:2 name:TEXT:0"
	assert_equal "$(info memberships)" "person_id:TEXT:1 job:TEXT:2 movie_id:TEXT:3"
	assert_equal "$(info sync_state)" "request:TEXT:1 movie_id:TEXT:0 etag:TEXT:0 fetched_at:TEXT:0"
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM crew; SELECT count(*) FROM genres; SELECT count(*) FROM memberships")" "0
0
0"
	[[ $stderr != *crew* && $stderr != *genres* && $stderr != *memberships* ]]
	assert_equal "$(info movie_analysis_view | sed 's/:[A-Z]*:0//g')" "movie_id title release_date budget revenue vote_average vote_count popularity runtime cast_size review_count avg_review_rating profit roi"
	# Values keep their types: text ids, integer money, real ratings.
	assert_equal "$(sqlite3 "$DB" "SELECT typeof(movie_id), typeof(budget), typeof(vote_average) FROM movies WHERE movie_id = '1'")" "text|integer|real"
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM movies; SELECT count(*) FROM credits; SELECT count(*) FROM reviews")" "3
4
4"
	[[ $stderr == *"tmdb-load: movies: 3 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"tmdb-load: credits: 4 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"tmdb-load: reviews: 4 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
}

@test "the view: one row per movie with hand-computed counts, averages, profit and roi" {
	sample_stream | tmdb-load -q sqlite "$DB"
	run sqlite3 -json "$DB" 'SELECT movie_id, cast_size, review_count, avg_review_rating, profit, roi, budget, revenue
		FROM movie_analysis_view ORDER BY movie_id'
	assert_success
	# Inception: the unrated review is left out of the mean (8 + 6) / 2. Following: no
	# budget, so no roi; no reviews, so a count of 0 and no mean. Tenet: no cast.
	json_eq <(printf '%s' "$output") <(cat <<-'EOF'
		[{"movie_id":"1","cast_size":3,"review_count":3,"avg_review_rating":7.0,"profit":679030630,"roi":4.2439414375,"budget":160000000,"revenue":839030630},
		 {"movie_id":"2","cast_size":1,"review_count":0,"avg_review_rating":null,"profit":48482,"roi":null,"budget":0,"revenue":48482},
		 {"movie_id":"3","cast_size":0,"review_count":1,"avg_review_rating":7.5,"profit":163656624,"roi":0.81828312,"budget":200000000,"revenue":363656624}]
	EOF
	)
	assert_equal "$(sqlite3 "$DB" "SELECT title, release_date, vote_average, vote_count, popularity, runtime FROM movie_analysis_view WHERE movie_id = '2'")" "Following|2010-07-16|8.4|100|20.5|148"
}

@test "a warehouse with another movie_analysis_view gets the current one, in the load's transaction" {
	view_sql() { sqlite3 "$DB" "SELECT sql FROM sqlite_master WHERE name = 'movie_analysis_view'"; }
	sample_stream | tmdb-load -q sqlite "$DB"
	current=$(view_sql)
	# An older toolkit's view: kept by CREATE VIEW IF NOT EXISTS for ever.
	old='CREATE VIEW movie_analysis_view AS SELECT movie_id, title FROM movies'
	sqlite3 "$DB" "DROP VIEW movie_analysis_view; $old"
	# A failed load changes nothing, the view neither.
	run -65 --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 4 Memento 1 2; echo 'not json')
	assert_equal "$(view_sql)" "$old"
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 4 Memento 1 2)
	assert_success
	assert_equal "$(view_sql)" "$current"
	assert_equal "$(sqlite3 "$DB" "SELECT cast_size, review_count FROM movie_analysis_view WHERE movie_id = '1'")" "3|3"
	# A current view is left alone: the schema does not change.
	version=$(sqlite3 "$DB" 'PRAGMA schema_version')
	movie 4 Memento 1 2 | tmdb-load -q sqlite "$DB" movies
	assert_equal "$(sqlite3 "$DB" 'PRAGMA schema_version')" "$version"
}

@test "upserts count inserted, updated and unchanged rows" {
	{ movie 1 Inception 1 2; movie 2 Following 3 4; } | tmdb-load -q sqlite "$DB" movies
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 1 Inception 1 2; movie 2 'Following (1998)' 3 4; movie 3 Tenet 5 6)
	assert_success
	assert_equal "$stderr" "tmdb-load: movies: 1 inserted, 1 updated, 1 unchanged, 0 deleted"
	assert_equal "$(sqlite3 "$DB" 'SELECT movie_id, title FROM movies ORDER BY movie_id')" "1|Inception
2|Following (1998)
3|Tenet"
	# A null that becomes a value, and back, is a change too (IS NOT, not !=).
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 1 Inception 1 2 | jq -c '.overview = null')
	assert_equal "$stderr" "tmdb-load: movies: 0 inserted, 1 updated, 0 unchanged, 0 deleted"
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 1 Inception 1 2 | jq -c '.overview = null')
	assert_equal "$stderr" "tmdb-load: movies: 0 inserted, 0 updated, 1 unchanged, 0 deleted"
}

@test "the same input twice leaves the dump byte-identical and inserts and updates nothing" {
	sample_stream >"$IN"
	tmdb-load -q sqlite "$DB" <"$IN"
	dump >"$BATS_TEST_TMPDIR/once"
	run --separate-stderr tmdb-load sqlite "$DB" <"$IN"
	assert_success
	dump >"$BATS_TEST_TMPDIR/twice"
	cmp "$BATS_TEST_TMPDIR/once" "$BATS_TEST_TMPDIR/twice"
	for table in movies credits reviews; do
		[[ $stderr == *"$table: 0 inserted, 0 updated"* ]] || fail "$table: $stderr"
	done
}

@test "re-loading a movie replaces its cast and reviews: exactly the dropped rows go" {
	sample_stream | tmdb-load -q sqlite "$DB"
	# Inception again without c2 and r3; the other movies are not in this run.
	{
		schema movies; schema credits; schema reviews
		movie 1 Inception 160000000 839030630 | record movies
		{ credit c1 1 0; credit c3 1 2; } | record credits
		{ review r1 1 8.0; review r2 1 null; } | record reviews
	} >"$IN"
	run --separate-stderr tmdb-load sqlite "$DB" <"$IN"
	assert_success
	[[ $stderr == *"credits: 0 inserted, 0 updated, 2 unchanged, 1 deleted"* ]]
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 2 unchanged, 1 deleted"* ]]
	assert_equal "$(sqlite3 "$DB" 'SELECT group_concat(credit_id) FROM (SELECT credit_id FROM credits ORDER BY 1)')" "c1,c3,c4"
	assert_equal "$(sqlite3 "$DB" 'SELECT group_concat(review_id) FROM (SELECT review_id FROM reviews ORDER BY 1)')" "r1,r2,r4"
}

# Inception with two crew credits and two genres, Following with one of each: the same
# genre (18) in both, which the key (movie_id, genre_id) keeps apart.
crew_and_genres_stream() {
	schema movies; schema crew; schema genres
	{ movie 1 Inception 160000000 839030630; movie 2 Following 0 48482; } | record movies
	{ crew k1 1 Director; crew k2 1 Writer; crew k3 2 Director; } | record crew
	{ genre 1 18 Drama; genre 1 28 Action; genre 2 18 Drama; } | record genres
}

# Inception again: k2 gone, the job of k1 changed, genre 28 gone and 878 new.
crew_and_genres_resync() {
	schema movies; schema crew; schema genres
	movie 1 Inception 160000000 839030630 | record movies
	crew k1 1 'Director, Writer' | record crew
	{ genre 1 18 Drama; genre 1 878 'Science Fiction'; } | record genres
}

@test "crew and genres: upserted by key, replaced per movie like the cast (sqlite)" {
	run --separate-stderr tmdb-load sqlite "$DB" < <(crew_and_genres_stream)
	assert_success
	[[ $stderr == *"crew: 3 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"genres: 3 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	assert_equal "$(sqlite3 "$DB" "SELECT typeof(movie_id), typeof(genre_id) FROM genres LIMIT 1")" "text|integer"
	# The same pair twice is one row.
	run --separate-stderr tmdb-load sqlite "$DB" genres < <(genre 1 18 Drama; genre 1 18 'Drama!')
	assert_success
	assert_equal "$stderr" "tmdb-load: genres: 0 inserted, 1 updated, 1 unchanged, 1 deleted"
	assert_equal "$(sqlite3 "$DB" "SELECT movie_id, genre_id, name FROM genres ORDER BY 1, 2")" "1|18|Drama!
2|18|Drama"
	tmdb-load -q sqlite "$DB" < <(crew_and_genres_stream)
	run --separate-stderr tmdb-load sqlite "$DB" < <(crew_and_genres_resync)
	assert_success
	[[ $stderr == *"crew: 0 inserted, 1 updated, 0 unchanged, 1 deleted"* ]]
	[[ $stderr == *"genres: 1 inserted, 0 updated, 1 unchanged, 1 deleted"* ]]
	assert_equal "$(sqlite3 "$DB" "SELECT credit_id, movie_id, job FROM crew ORDER BY 1")" "k1|1|Director, Writer
k3|2|Director"
	# Following's genre 18 stays: only Inception's pairs were replaced.
	assert_equal "$(sqlite3 "$DB" "SELECT movie_id, genre_id FROM genres ORDER BY 1, 2")" "1|18
1|878
2|18"
}

@test "crew and genres: upserted by key, replaced per movie like the cast (csv)" {
	run --separate-stderr tmdb-load csv "$DIR" < <(crew_and_genres_stream)
	assert_success
	assert_equal "$(head -1 "$DIR/genres.csv" | tr -d '\r')" "movie_id,genre_id,name"
	run --separate-stderr tmdb-load csv "$DIR" < <(crew_and_genres_resync)
	assert_success
	[[ $stderr == *"crew: 0 inserted, 1 updated, 0 unchanged, 1 deleted"* ]]
	[[ $stderr == *"genres: 1 inserted, 0 updated, 1 unchanged, 1 deleted"* ]]
	assert_equal "$(python_csv "$DIR/crew.csv" | jq -r '.[1:][] | .[0] + " " + .[5]')" "k1 Director, Writer
k3 Director"
	assert_equal "$(python_csv "$DIR/genres.csv" | jq -r '.[1:][] | .[0] + " " + .[1]' | sort)" "1 18
1 878
2 18"
}

@test "a movie that now has no reviews loses them all when its movies row is loaded" {
	sample_stream | tmdb-load -q sqlite "$DB"
	run --separate-stderr tmdb-load sqlite "$DB" < <(schema movies; schema credits; schema reviews
		movie 3 Tenet 200000000 363656624 | record movies)
	assert_success
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM reviews WHERE movie_id = '3'")" 0
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM reviews")" 3
	# A table that is not in the input is left alone: plain movies rows replace nothing.
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 1 Inception 160000000 839030630)
	assert_success
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM credits WHERE movie_id = '1'")" 3
}

@test "plain child rows: the movies of the input rows are the parents seen" {
	sample_stream | tmdb-load -q sqlite "$DB"
	run --separate-stderr tmdb-load sqlite "$DB" credits < <(credit c1 1 0; credit c9 1 9)
	assert_success
	assert_equal "$stderr" "tmdb-load: credits: 1 inserted, 0 updated, 1 unchanged, 2 deleted"
	assert_equal "$(sqlite3 "$DB" 'SELECT group_concat(credit_id) FROM (SELECT credit_id FROM credits ORDER BY 1)')" "c1,c4,c9"
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM reviews")" 4
}

@test "a bad line after good ones exits 65 naming it, and the database is as before" {
	sample_stream | tmdb-load -q sqlite "$DB"
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
		run -65 --separate-stderr tmdb-load sqlite "$DB" < <(printf '%s\n' "$good" "$bad")
		[[ $stderr == "tmdb-load: -:4: "* ]] || fail "no line number for '$bad': $stderr"
		dump | cmp - "$BATS_TEST_TMPDIR/before" || fail "the database changed after '$bad'"
	done
	# The messages say what is wrong.
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(printf '%s\n' "$good" "${bad_lines[4]}")
	assert_equal "$stderr" 'tmdb-load: -:4: movies: column "budget": expected an integer, got a string'
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(printf '%s\n' "$good" "${bad_lines[3]}")
	assert_equal "$stderr" 'tmdb-load: -:4: RECORD of stream "people" before its SCHEMA'
}

@test "a column named to inject SQL is refused, and with --alter becomes just a column" {
	sample_stream | tmdb-load -q sqlite "$DB"
	evil='x"); DROP TABLE movies;--'
	row=$(movie 7 Evil 1 2 | jq -c --arg evil "$evil" '.[$evil] = "payload"')
	run -65 --separate-stderr tmdb-load sqlite "$DB" movies <<<"$row"
	[[ $stderr == *'DROP TABLE movies'*'--alter adds it'* ]]
	run --separate-stderr tmdb-load --alter sqlite "$DB" movies <<<"$row"
	assert_success
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM movies")" 4
	assert_equal "$(sqlite3 "$DB" "SELECT type FROM pragma_table_info('movies') WHERE name = 'x\"); DROP TABLE movies;--'")" TEXT
	assert_equal "$(sqlite3 "$DB" "SELECT \"x\"\"); DROP TABLE movies;--\" FROM movies WHERE movie_id = '7'")" payload
	# A table name is quoted the same way.
	run --separate-stderr tmdb-load sqlite "$DB" < <(jq -nc --arg s "movies\"; DROP TABLE credits;--" \
		'{type: "SCHEMA", stream: $s, schema: {properties: {id: {type: "string"}}}, key_properties: ["id"]},
		 {type: "RECORD", stream: $s, record: {id: "1"}}')
	assert_success
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM credits; SELECT id FROM \"movies\"\"; DROP TABLE credits;--\"")" "4
1"
}

@test "--alter adds a column typed from its first value; rows without it get null" {
	movie 1 Inception 1 2 | tmdb-load -q sqlite "$DB" movies
	run -65 --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 2 Tenet 3 4 | jq -c '.imdb_rank = 12')
	[[ $stderr == *'-:1: movies: column "imdb_rank": the table has no such column (--alter adds it)'* ]]
	run --separate-stderr tmdb-load --alter sqlite "$DB" movies < <(movie 2 Tenet 3 4 | jq -c '.imdb_rank = 12 | .tagline = "Time runs out" | .score = 0.5')
	assert_success
	assert_equal "$(sqlite3 "$DB" "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('movies') WHERE cid >= 10")" "imdb_rank:INTEGER tagline:TEXT score:REAL"
	assert_equal "$(sqlite3 "$DB" "SELECT movie_id, quote(imdb_rank), quote(tagline) FROM movies ORDER BY 1")" "1|NULL|NULL
2|12|'Time runs out'"
	# Once added, the column is the table's own: no --alter needed any more.
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 3 Memento 5 6 | jq -c '.imdb_rank = 40')
	assert_success
}

@test "a Singer stream of another table: types and key from its SCHEMA; STATE is not a row" {
	{
		jq -nc '{type: "SCHEMA", stream: "people", key_properties: ["source", "id"],
			schema: {type: "object", properties: {source: {type: "string"}, id: {type: ["integer", "null"]},
			height: {type: ["number", "null"]}, alive: {type: "boolean"}, tags: {type: "array"}, extra: {type: "object"}}}}'
		jq -nc '{type: "RECORD", stream: "people", record: {source: "tmdb", id: 525, height: 1.81, alive: true, tags: ["a", "b"], extra: {k: 1.5}}}'
		jq -nc '{type: "STATE", value: {bookmark: 1}}'
		jq -nc '{type: "RECORD", stream: "people", record: {source: "imdb", id: 525, alive: false}}'
		jq -nc '{type: "ACTIVATE_VERSION", stream: "people", version: 1}'
	} >"$IN"
	run --separate-stderr tmdb-load sqlite "$DB" <"$IN"
	assert_success
	assert_equal "$stderr" "tmdb-load: people: 2 inserted, 0 updated, 0 unchanged, 0 deleted"
	assert_equal "$(sqlite3 "$DB" "SELECT group_concat(name || ':' || type || ':' || pk, ' ') FROM pragma_table_info('people')")" \
		"source:TEXT:1 id:INTEGER:2 height:REAL:0 alive:INTEGER:0 tags:TEXT:0 extra:TEXT:0"
	assert_equal "$(sqlite3 "$DB" "SELECT source, id, quote(height), alive, quote(tags), quote(extra) FROM people ORDER BY source")" \
		"imdb|525|NULL|0|NULL|NULL
tmdb|525|1.81|1|'[\"a\",\"b\"]'|'{\"k\":1.5}'"
	# No tables of the toolkit were asked for, so none were made.
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM sqlite_master WHERE name = 'movies'")" 0
}

# What another tap writes, by hand: two streams, their records interleaved, a STATE
# after each batch, and a message type Singer does not define.
tap_stream() {
	cat <<-'EOF'
		{"type": "SCHEMA", "stream": "users", "key_properties": ["id"], "bookmark_properties": ["updated_at"], "schema": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": ["null", "string"]}, "updated_at": {"type": "string", "format": "date-time"}}}}
		{"type": "SCHEMA", "stream": "orders", "key_properties": ["order_id"], "schema": {"type": "object", "properties": {"order_id": {"type": "string"}, "user_id": {"type": "integer"}, "total": {"type": ["null", "number"]}}}}
		{"type": "RECORD", "stream": "users", "record": {"id": 1, "name": "Ada", "updated_at": "2024-01-01T00:00:00Z"}, "time_extracted": "2024-01-02T00:00:00Z"}
		{"type": "RECORD", "stream": "orders", "record": {"order_id": "o1", "user_id": 1, "total": 9.5}}
		{"type": "STATE", "value": {"bookmarks": {"users": {"updated_at": "2024-01-01T00:00:00Z"}}}}
		{"type": "METRIC", "stream": "users", "metric": {"type": "counter", "value": 1}}
		{"type": "RECORD", "stream": "users", "record": {"id": 2, "name": null, "updated_at": "2024-01-03T00:00:00Z"}}
		{"type": "RECORD", "stream": "orders", "record": {"order_id": "o2", "user_id": 2, "total": null}}
		{"type": "STATE", "value": {"bookmarks": {"users": {"updated_at": "2024-01-03T00:00:00Z"}, "orders": {"order_id": "o2"}}}}
	EOF
}

@test "a Singer stream from another tap loads; the last STATE comes out on stdout once committed" {
	tap_stream >"$IN"
	run --separate-stderr tmdb-load -v sqlite "$DB" <"$IN"
	assert_success
	# One line: the last STATE's value, as the tap wrote it.
	assert_equal "$output" "$(tail -1 "$IN" | jq -c .value)"
	[[ $stderr == *'-:6: ignoring a message of unknown type "METRIC"'* ]]
	[[ $stderr == *"users: 2 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"orders: 2 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	assert_equal "$(sqlite3 "$DB" "SELECT id, quote(name), updated_at FROM users ORDER BY id; SELECT * FROM orders ORDER BY 1")" "1|'Ada'|2024-01-01T00:00:00Z
2|NULL|2024-01-03T00:00:00Z
o1|1|9.5
o2|2|"
	# The STATE is printed after the commit: whoever reads it sees the rows it covers.
	rm "$DB"
	run bash -c 'tmdb-load -q sqlite "$1" <"$2" | { read -r state && sqlite3 "$1" "SELECT count(*) FROM orders" && echo "$state"; }' _ "$DB" "$IN"
	assert_success
	assert_equal "${lines[0]}" 2
	assert_equal "${lines[1]}" "$(tail -1 "$IN" | jq -c .value)"
	# Into CSV files as well; a stream without STATE prints nothing.
	run --separate-stderr tmdb-load csv "$DIR" <"$IN"
	assert_success
	assert_equal "$output" "$(tail -1 "$IN" | jq -c .value)"
	[ -s "$DIR/orders.csv" ]
	run --separate-stderr tmdb-load sqlite "$DB" < <(grep -v STATE "$IN")
	assert_success
	[ -z "$output" ]
}

# What real taps send (tests/fixtures/singer/tap-github.jsonl, in tap-github's style):
# type unions and anyOf, an untyped property, a field the SCHEMA does not declare, a
# second SCHEMA that adds a column, time_extracted, and a column that asks for it.
GITHUB="$BATS_TEST_DIRNAME/fixtures/singer/tap-github.jsonl"

# The issues as the stream leaves them: 1001 twice, its second record wins.
github_rows() {
	cat <<-'EOF'
		1001|1|Crash on empty input|closed|{"login":"ada","id":7}|[{"name":"bug"}]|2026-11-30T09:00:00Z|{"+1":3}|3.0|acme/tool|2026-11-30T09:00:05Z|2026-11-30T09:00:00Z
		1002|2||closed||[]|||0.5|acme/tool|2026-11-30T08:00:01Z|
		1003|3|Docs: "quoted", comma|closed|{"login":"bob","id":8}|[{"name":"docs"},{"name":"good first issue"}]|2026-11-29T12:30:00Z|"none"|7.0|acme/tool|2026-11-30T07:59:59Z|2026-11-29T12:30:00Z
	EOF
}

@test "a tap's stream as taps write it loads row by row: unions, anyOf, untyped, undeclared fields, a growing SCHEMA" {
	run --separate-stderr tmdb-load sqlite "$DB" <"$GITHUB"
	assert_success
	assert_equal "$output" "$(tail -1 "$GITHUB" | jq -c .value)"
	# One warning for the stream's undeclared field, then the counts.
	assert_equal "$stderr" 'tmdb-load: stream "issues": a RECORD has field "performed_via_github_app", which its SCHEMA does not declare: fields such as this are left out (--alter adds them as columns)
tmdb-load: issues: 3 inserted, 1 updated, 0 unchanged, 0 deleted'
	# A union of kinds (integer or number) is a number; one kind and null is that kind;
	# anyOf the same; untyped is JSON text; the column the second SCHEMA added is last.
	assert_equal "$(sqlite3 "$DB" "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('issues')")" \
		"id:INTEGER number:INTEGER title:TEXT state:TEXT user:TEXT labels:TEXT updated_at:TEXT reactions:TEXT score:REAL _sdc_repository:TEXT _sdc_extracted_at:TEXT closed_at:TEXT"
	sqlite3 "$DB" "SELECT * FROM issues ORDER BY id" | diff - <(github_rows)
	# Untyped values are JSON text, whatever they are: a string keeps its quotes.
	assert_equal "$(sqlite3 "$DB" "SELECT json_type(reactions) FROM issues ORDER BY id")" "object

text"
	# Loading it again ends the same (1001's first record updates it, its second back),
	# and needs no --alter for the added column.
	run --separate-stderr tmdb-load sqlite "$DB" <"$GITHUB"
	assert_success
	[[ $stderr == *"issues: 0 inserted, 2 updated, 2 unchanged, 0 deleted" ]] || fail "$stderr"
	sqlite3 "$DB" "SELECT * FROM issues ORDER BY id" | diff - <(github_rows)
	# A _sdc_extracted_at declared as something else than text is not filled.
	run --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/int.db" < <(head -1 "$GITHUB" |
		jq -c '.schema.properties._sdc_extracted_at = {type: ["null", "integer"]}'; sed -n 2p "$GITHUB")
	assert_success
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/int.db" "SELECT quote(_sdc_extracted_at) FROM issues")" NULL
	# With --alter the undeclared field is kept, as a column of its own.
	run --separate-stderr tmdb-load --alter sqlite "$BATS_TEST_TMPDIR/alter.db" <"$GITHUB"
	assert_success
	[[ $stderr != *"does not declare"* ]] || fail "$stderr"
	sqlite3 "$BATS_TEST_TMPDIR/alter.db" "SELECT name FROM pragma_table_info('issues')" | grep -qx performed_via_github_app
}

@test "a tap's stream into CSV: the same rows, twice without --alter" {
	for _ in 1 2; do
		run --separate-stderr tmdb-load csv "$DIR" <"$GITHUB"
		assert_success
	done
	# The CSV read back by SQLite's own CSV reader is the database's rows.
	sqlite3 "$BATS_TEST_TMPDIR/back.db" ".import --csv $DIR/issues.csv issues" \
		"SELECT id, number, title, state, user, labels, updated_at, reactions, score, _sdc_repository, _sdc_extracted_at, closed_at FROM issues ORDER BY id" |
		diff - <(github_rows)
	assert_equal "$(head -1 "$DIR/issues.csv" | tr -d '\r')" "id,number,title,state,user,labels,updated_at,reactions,score,_sdc_repository,_sdc_extracted_at,closed_at"
}

# A CSV tap's stream (tests/fixtures/singer/tap-csv.jsonl): strings, no key_properties.
TAP_CSV="$BATS_TEST_DIRNAME/fixtures/singer/tap-csv.jsonl"

@test "a stream with empty key_properties is appended to: every record a new row, each run again, in SQLite and CSV" {
	cd "$BATS_TEST_TMPDIR" || return
	for _ in 1 2; do
		run --separate-stderr tmdb-load sqlite "$DB" <"$TAP_CSV"
		assert_success
		assert_equal "$stderr" "tmdb-load: visits: 5 inserted, 0 updated, 0 unchanged, 0 deleted"
		run --separate-stderr tmdb-load csv "$DIR" <"$TAP_CSV"
		assert_success
	done
	# No primary key; the records in order, twice (the same record twice stays twice).
	assert_equal "$(sqlite3 "$DB" "SELECT count(*) FROM pragma_table_info('visits') WHERE pk > 0")" 0
	jq -r 'select(.type == "RECORD") | .record | [.day, .page, .visitors] | map(. // "NULL") | join("|")' "$TAP_CSV" >once
	cat once once >twice
	sqlite3 "$DB" "SELECT ifnull(day, 'NULL'), ifnull(page, 'NULL'), ifnull(visitors, 'NULL') FROM visits ORDER BY rowid" | diff - twice
	# The CSV file the same, read back by SQLite's CSV reader (an empty field is null,
	# an empty string "").
	sqlite3 back.db ".import --csv $DIR/visits.csv visits" \
		"SELECT CASE WHEN day = '' THEN 'NULL' ELSE day END, page, visitors FROM visits ORDER BY rowid" | diff - twice
	assert_equal "$(tail -1 "$DIR/visits.csv" | tr -d '\r')" ',"/""odd"", page",""'
	# A deletion there would name no row (it would match every one): refused.
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(head -1 "$TAP_CSV"
		jq -nc '{type: "RECORD", stream: "visits", record: {day: "2026-11-28", _sdc_deleted_at: "2026-11-30T00:00:00Z"}}')
	assert_equal "$stderr" "tmdb-load: -:2: visits: a deletion (_sdc_deleted_at) in a table without key_properties names no row"
	sqlite3 "$DB" "SELECT ifnull(day, 'NULL'), ifnull(page, 'NULL'), ifnull(visitors, 'NULL') FROM visits ORDER BY rowid" | diff - twice
}

# tap-postgres's full-table syncs (tests/fixtures/singer/tap-postgres-N.jsonl): records
# with a version, ACTIVATE_VERSION when the table at that version is whole. The second
# sync no longer has customer 2 and changed customer 3.
TAP_PG="$BATS_TEST_DIRNAME/fixtures/singer/tap-postgres"

@test "ACTIVATE_VERSION (tap-postgres): rows of older versions go once the new version is activated, in SQLite and CSV" {
	run --separate-stderr tmdb-load sqlite "$DB" <"$TAP_PG-1.jsonl"
	assert_success
	assert_equal "$stderr" "tmdb-load: public-customers: 3 inserted, 0 updated, 0 unchanged, 0 deleted"
	assert_equal "$(sqlite3 "$DB" 'SELECT id, _sdc_table_version FROM "public-customers" ORDER BY id' | paste -sd ' ')" \
		"1|1733300000000 2|1733300000000 3|1733300000000"
	# The second sync's rows, before its ACTIVATE_VERSION: the old version's stay.
	tmdb-load -q sqlite "$BATS_TEST_TMPDIR/cut.db" <"$TAP_PG-1.jsonl" >/dev/null
	grep -v ACTIVATE_VERSION "$TAP_PG-2.jsonl" | tmdb-load -q sqlite "$BATS_TEST_TMPDIR/cut.db" >/dev/null
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/cut.db" 'SELECT id FROM "public-customers" ORDER BY id' | paste -sd ' ')" "1 2 3"
	# With it, customer 2 is gone: what the source has, row by row.
	run --separate-stderr tmdb-load sqlite "$DB" <"$TAP_PG-2.jsonl"
	assert_success
	assert_equal "$stderr" "tmdb-load: public-customers: 0 inserted, 2 updated, 0 unchanged, 1 deleted"
	expected="1|Ada|10.5|2024-01-01T00:00:00+00:00|1733400000000
3|Cy|99.0|2024-06-30T12:00:00+00:00|1733400000000"
	assert_equal "$(sqlite3 "$DB" 'SELECT * FROM "public-customers" ORDER BY id')" "$expected"
	# CSV the same.
	tmdb-load -q csv "$DIR" <"$TAP_PG-1.jsonl" >/dev/null
	run --separate-stderr tmdb-load csv "$DIR" <"$TAP_PG-2.jsonl"
	assert_success
	assert_equal "$stderr" "tmdb-load: public-customers: 0 inserted, 2 updated, 0 unchanged, 1 deleted"
	assert_equal "$(tail -n +2 "$DIR/public-customers.csv" | tr -d '\r' | tr , '|')" "$expected"
	# An ACTIVATE_VERSION before its SCHEMA, or without an integer version: 65.
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(sed -n 2p "$TAP_PG-1.jsonl")
	assert_equal "$stderr" 'tmdb-load: -:1: ACTIVATE_VERSION of stream "public-customers" before its SCHEMA'
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(head -1 "$TAP_PG-1.jsonl"
		echo '{"type": "ACTIVATE_VERSION", "stream": "public-customers", "version": "2"}')
	assert_equal "$stderr" 'tmdb-load: -:2: ACTIVATE_VERSION without an integer "version"'
	assert_equal "$(sqlite3 "$DB" 'SELECT * FROM "public-customers" ORDER BY id')" "$expected"
	# A stream that declares the version column as text cannot keep versions in it.
	run -65 --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/v.db" < <(head -1 "$TAP_PG-1.jsonl" |
		jq -c '.schema.properties._sdc_table_version = {type: "string"}'; sed -n 3p "$TAP_PG-1.jsonl")
	assert_equal "$stderr" "tmdb-load: -:2: public-customers: column _sdc_table_version is a string: it keeps the records' versions, integers"
}

@test "a later SCHEMA that adds several columns at once: each joins the table, in SQLite, CSV and CSV again" {
	{
		jq -nc '{type: "SCHEMA", stream: "t", key_properties: ["id"], schema: {properties: {id: {type: "integer"}}}}'
		jq -nc '{type: "RECORD", stream: "t", record: {id: 1}}'
		jq -nc '{type: "SCHEMA", stream: "t", key_properties: ["id"],
			schema: {properties: {id: {type: "integer"}, a: {type: "string"}, b: {type: ["null", "number"]}, c: {}}}}'
		jq -nc '{type: "RECORD", stream: "t", record: {id: 2, a: "x", b: 1.5, c: [1]}}'
	} >"$IN"
	run --separate-stderr tmdb-load sqlite "$DB" <"$IN"
	assert_success
	assert_equal "$(sqlite3 "$DB" "SELECT group_concat(name || ':' || type, ' ') FROM pragma_table_info('t')")" "id:INTEGER a:TEXT b:REAL c:TEXT"
	assert_equal "$(sqlite3 "$DB" "SELECT id, quote(a), quote(b), quote(c) FROM t ORDER BY id" | paste -sd ' ')" "1|NULL|NULL|NULL 2|'x'|1.5|'[1]'"
	for _ in 1 2; do
		run --separate-stderr tmdb-load csv "$DIR" <"$IN"
		assert_success
	done
	assert_equal "$(tr -d '\r' <"$DIR/t.csv" | paste -sd ' ')" "id,a,b,c 1,,, 2,x,1.5,[1]"
}

@test "--config FILE names the destination as Meltano runs a target: the same load as the command, its errors 78" {
	cd "$BATS_TEST_TMPDIR" || return
	jq -n --arg db "$PWD/by-config.db" '{type: "sqlite", path: $db}' >sqlite.json
	run --separate-stderr tmdb-load --config sqlite.json <"$GITHUB"
	assert_success
	assert_equal "$output" "$(tail -1 "$GITHUB" | jq -c .value)"
	tmdb-load -q sqlite by-command.db <"$GITHUB" >/dev/null
	diff <(sqlite3 by-config.db .dump) <(sqlite3 by-command.db .dump)
	# Options from the file: alter keeps the undeclared field; the command line's win.
	jq -n '{type: "csv", dir: "out", alter: true}' >csv.json
	tmdb-load -q --config csv.json <"$GITHUB" >/dev/null
	head -1 out/issues.csv | grep -q performed_via_github_app
	jq -n '{type: "sqlite", path: "batched.db", batch: 5}' >batched.json
	run -64 --separate-stderr tmdb-load --config batched.json </dev/null
	[[ $stderr == *"--batch, --batch-seconds: sqlite commits once, at the end"* ]] || fail "$stderr"
	run --separate-stderr tmdb-load --batch 0 --config batched.json <"$TAP_CSV"
	assert_success
	# --print-state reads the destination the file names.
	run --separate-stderr tmdb-load --print-state --config sqlite.json
	assert_success
	jq -e '.version == 1' <<<"$output"
	# A command too is a usage error; a bad file is 78 naming it and what is wrong, and
	# never prints a DSN's value.
	run -64 --separate-stderr tmdb-load --config sqlite.json sqlite other.db </dev/null
	for bad in '{"type": "mysql", "path": "x"}' '{"type": "sqlite"}' '{"type": "postgres", "dsn": ""}' \
		'{"type": "sqlite", "path": "x.db", "colour": 1}' '{"type": "sqlite", "path": "x.db", "batch": -1}' \
		'{"type": "sqlite", "path": "x.db", "alter": "yes"}' '[1]' 'not json' \
		'{"type": "postgres", "dsn": "postgresql://u:s3cret@127.0.0.1:9/x", "wait": 1}'; do
		printf '%s\n' "$bad" >bad.json
		run -78 --separate-stderr tmdb-load --config bad.json </dev/null
		[[ $stderr == "tmdb-load: bad.json"* && $stderr != *s3cret* ]] || fail "$bad: $stderr"
		[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "$bad: $stderr"
	done
	run -78 --separate-stderr tmdb-load --config missing.json </dev/null
	assert_equal "$stderr" "tmdb-load: missing.json: cannot read the configuration: No such file or directory"
	[ ! -e x.db ]
}

@test "a later SCHEMA that changes a column's type or the key is refused: 65 naming the stream, nothing loaded" {
	tmdb-load -q sqlite "$DB" <"$GITHUB" >/dev/null
	dump >"$BATS_TEST_TMPDIR/before"
	second=$(grep -n '"SCHEMA"' "$GITHUB" | sed -n 2p | cut -d: -f1)
	for change in '.schema.properties.score = {type: "string"}' '.schema.properties.number = {type: ["null", "number"]}' \
		'.key_properties = ["number"]' '.key_properties = []' '.schema.properties.reactions = {type: "object"}'; do
		run -65 --separate-stderr tmdb-load sqlite "$DB" < <(head -$((second - 1)) "$GITHUB"
			sed -n "${second}p" "$GITHUB" | jq -c "$change"; tail -n +$((second + 1)) "$GITHUB")
		# The last line says it; the one before is the undeclared field's warning.
		[[ ${stderr##*$'\n'} == "tmdb-load: -:$second: stream \"issues\": a second SCHEMA "* ]] || fail "$change: $stderr"
		[ -z "$output" ] || fail "a STATE after a failure: $output"
		dump | cmp - "$BATS_TEST_TMPDIR/before" || fail "the database changed: $change"
	done
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(sed "${second}s/\"score\": {[^}]*}/\"score\": {\"type\": \"date\"}/" "$GITHUB")
	[[ $stderr == *'stream "issues": SCHEMA: column "score": unsupported type'* ]] || fail "$stderr"
}

@test "a failed run prints no STATE and commits nothing" {
	tap_stream | head -5 | tmdb-load -q sqlite "$DB" >/dev/null
	dump >"$BATS_TEST_TMPDIR/before"
	for bad in 'not json' '{"type": "RECORD", "stream": "orders", "record": {"order_id": "o3", "total": "lots"}}' \
		'{"type": "RECORD", "stream": "refunds", "record": {"id": 1}}'; do
		run -65 --separate-stderr tmdb-load sqlite "$DB" < <(tap_stream; echo "$bad")
		[ -z "$output" ] || fail "a STATE after '$bad': $output"
		[[ $stderr == "tmdb-load: -:10: "* ]] || fail "$stderr"
		dump | cmp - "$BATS_TEST_TMPDIR/before" || fail "the database changed after '$bad'"
	done
	# A fresh database is not left behind either, only its lock file.
	mkdir "$BATS_TEST_TMPDIR/fresh"
	run -65 --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/fresh/w.db" < <(tap_stream; echo 'not json')
	[ -z "$output" ]
	assert_equal "$(ls -A "$BATS_TEST_TMPDIR/fresh")" w.db.lock
	# CSV the same: no file, no STATE.
	run -65 --separate-stderr tmdb-load csv "$DIR" < <(tap_stream; echo 'not json')
	[ -z "$output" ]
	# Only the lock file, which is never removed (removing lock files races).
	assert_equal "$(ls -A "$DIR")" .lock
}

@test "unknown message types: ignored in a Singer stream, a row of TABLE in plain rows; BATCH refused" {
	# No note without -v.
	run --separate-stderr tmdb-load sqlite "$DB" < <(schema movies; echo '{"type": "LOG", "message": "hi"}'
		movie 1 Inception 1 2 | record movies)
	assert_success
	assert_equal "$stderr" "tmdb-load: movies: 1 inserted, 0 updated, 0 unchanged, 0 deleted"
	# With TABLE, once the input is a Singer stream, the same.
	run --separate-stderr tmdb-load csv - users < <(tap_stream)
	assert_success
	assert_equal "$(printf '%s\n' "$output" | tr -d '\r')" "id,name,updated_at
1,Ada,2024-01-01T00:00:00Z
2,,2024-01-03T00:00:00Z"
	# csv - keeps standard output for the CSV: no STATE there.
	[[ $output != *bookmarks* ]]
	# Plain rows may have a "type" of their own: with TABLE and no Singer message, a row.
	run -65 --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 2 Tenet 1 2 | jq -c '.type = "LOG"')
	[[ $stderr == *'movies: column "type": the table has no such column'* ]]
	# BATCH carries records in files: ignoring it would lose them.
	run -65 --separate-stderr tmdb-load sqlite "$DB" < <(schema movies; echo '{"type": "BATCH", "stream": "movies", "encoding": {"format": "jsonl"}, "manifest": ["file:///tmp/b.jsonl"]}')
	[[ $stderr == *"-:2: BATCH messages (records in files) are not supported"* ]]
	run -65 --separate-stderr tmdb-load csv - movies < <(schema movies; echo '{"type": "BATCH", "stream": "movies"}')
	[[ $stderr == *"-:2: BATCH messages (records in files) are not supported"* ]]
}

@test "a database another process is writing is waited for, not failed" {
	movie 1 Inception 1 2 | tmdb-load -q sqlite "$DB" movies
	# The other writer takes the lock, says so, holds it for a second and commits. Its
	# COMMIT waits (.timeout) for the moment tmdb-load's retry holds a shared lock: without
	# one it failed "database is locked" on a loaded machine, as any writer without a busy
	# timeout may beside a reader.
	sqlite3 "$DB" ".timeout 10000" "BEGIN IMMEDIATE; INSERT INTO movies (movie_id) VALUES ('other');" \
		".shell touch '$BATS_TEST_TMPDIR/locked'; sleep 1" "COMMIT;" 3>&- &
	locker=$!
	for _ in $(seq 200); do [ -e "$BATS_TEST_TMPDIR/locked" ] && break; sleep 0.05; done
	[ -e "$BATS_TEST_TMPDIR/locked" ]
	run --separate-stderr timeout 60 tmdb-load sqlite "$DB" movies < <(movie 2 Tenet 3 4)
	wait "$locker"
	assert_success
	assert_equal "$(sqlite3 "$DB" 'SELECT group_concat(movie_id) FROM (SELECT movie_id FROM movies ORDER BY 1)')" "1,2,other"
}

@test "--busy-timeout 0 fails at once with 74 on a locked database, changing nothing" {
	movie 1 Inception 1 2 | tmdb-load -q sqlite "$DB" movies
	# This writer holds the lock until the test lets it go.
	sqlite3 "$DB" "BEGIN IMMEDIATE;" ".shell touch '$BATS_TEST_TMPDIR/locked'; while [ ! -e '$BATS_TEST_TMPDIR/release' ]; do sleep 0.05; done" "COMMIT;" 3>&- &
	locker=$!
	for _ in $(seq 200); do [ -e "$BATS_TEST_TMPDIR/locked" ] && break; sleep 0.05; done
	run --separate-stderr timeout 60 tmdb-load --busy-timeout 0 sqlite "$DB" movies < <(movie 2 Tenet 3 4)
	touch "$BATS_TEST_TMPDIR/release"
	wait "$locker"
	[ "$status" -eq 74 ]
	[[ $stderr == *"database is locked"* ]]
	assert_equal "$(sqlite3 "$DB" 'SELECT count(*) FROM movies')" 1
}

@test "a database that cannot be created exits 73" {
	# Its folder cannot be made (missing folders are made; a file is in the way).
	touch "$BATS_TEST_TMPDIR/file"
	run -73 --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/file/w.db" movies < <(movie 1 Inception 1 2)
	[[ $stderr == *"file/w.db: cannot create the folder "*"/file: Not a directory" ]]
	# Its lock file beside it comes first, and cannot be made either.
	mkdir "$BATS_TEST_TMPDIR/locked"{,/w.db.lock}
	run -73 --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/locked/w.db" movies < <(movie 1 Inception 1 2)
	[[ $stderr == *"locked/w.db: cannot open its lock file "*"locked/w.db.lock: Is a directory" ]]
	[ ! -e "$BATS_TEST_TMPDIR/locked/w.db" ]
	echo "not a database, but long enough to have a header" >"$DB"
	run -73 --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 1 Inception 1 2)
}

@test "options may stand after the command; -q keeps standard error empty" {
	run --separate-stderr tmdb-load sqlite "$DB" movies -q < <(movie 1 Inception 1 2)
	assert_success
	[ -z "$stderr" ]
	run --separate-stderr tmdb-load sqlite --alter "$DB" movies < <(movie 2 Tenet 1 2 | jq -c '.x = 1')
	assert_success
	[ "$(sqlite3 "$DB" 'SELECT title FROM movies ORDER BY movie_id' | paste -sd,)" = Inception,Tenet ]
}

# The values CSV has to carry: separators, quotes, line ends, tabs, other scripts, emoji.
tricky_rows() {
	jq -nc '
		{movie_id: "1", title: "日本語の映画", overview: "line1\r\nline2", release_date: null, runtime: 148,
		 budget: 0, revenue: -5, vote_average: 8.369, vote_count: 1, popularity: 1e-7},
		{movie_id: "2", title: "Ελληνικά, \"quoted\"", overview: "a,b\ttab", release_date: "", runtime: null,
		 budget: 9007199254740991, revenue: 1, vote_average: 7, vote_count: 0, popularity: 0.1},
		{movie_id: "3,\"", title: "🎬 emoji\nnewline", overview: "\"", release_date: "2020-01-01", runtime: 1,
		 budget: 1, revenue: 1, vote_average: 0.30000000000000004, vote_count: 2, popularity: 123456789.5}'
}

# The rows as CSV reads them back: every value as text, null and "" both empty.
tricky_as_text() {
	tricky_rows | jq -s -c '[["movie_id","title","overview","release_date","runtime","budget","revenue","vote_average","vote_count","popularity"]]
		+ [.[] | [.movie_id, .title, .overview, .release_date, .runtime, .budget, .revenue, .vote_average, .vote_count, .popularity]
			| map(if . == null then "" elif type == "number" then tostring else . end)]'
}

python_csv() {
	python3 -c 'import csv, json, sys
print(json.dumps(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8"))), ensure_ascii=False))' "$1"
}

@test "csv writes RFC 4180 that python's csv module and sqlite3 .import read back exactly" {
	tricky_rows >"$IN"
	run --separate-stderr tmdb-load csv "$DIR" movies <"$IN"
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"movies: 3 inserted"* ]]
	# Reals as JSON has them (8.369, 7.0), not 8.3689999999999998.
	expected=$(tricky_as_text | jq -c '.[2][7] = "7.0"')
	json_eq <(python_csv "$DIR/movies.csv") <(printf '%s' "$expected")
	# sqlite3's own CSV reader agrees.
	imported=$(sqlite3 -json :memory: ".import --csv '$DIR/movies.csv' t" 'SELECT * FROM t')
	json_eq <(jq -c '[.[] | [.[]]]' <<<"$imported") <(jq -c '.[1:]' <<<"$expected")
	# Records end with CRLF; null is an empty field, the empty string is "".
	[ "$(head -n1 "$DIR/movies.csv" | tail -c 2 | od -An -tx1 | tr -d ' \n')" = 0d0a ]
	grep -q '^2,"Ελληνικά, ""quoted""","a,b	tab","",,9007199254740991,1,7.0,0,0.1' "$DIR/movies.csv"
	grep -q '^1,日本語の映画,"line1' "$DIR/movies.csv"
	grep -q '^line2",,148,0,-5,8.369,1,1e-07' "$DIR/movies.csv"
	grep -q '^"3,""","🎬 emoji$' "$DIR/movies.csv"
}

@test "csv merges by key with the file: order kept, new rows appended, reloading changes nothing" {
	{ movie 1 Inception 1 2; movie 2 Following 3 4; movie 3 Tenet 5 6; } | tmdb-load -q csv "$DIR" movies
	run --separate-stderr tmdb-load csv "$DIR" movies < <(movie 4 Memento 7 8; movie 2 'Following (1998)' 3 4; movie 1 Inception 1 2)
	assert_success
	assert_equal "$stderr" "tmdb-load: movies: 1 inserted, 1 updated, 1 unchanged, 0 deleted"
	assert_equal "$(python_csv "$DIR/movies.csv" | jq -r '.[1:][] | .[0] + " " + .[1]')" "1 Inception
2 Following (1998)
3 Tenet
4 Memento"
	cp "$DIR/movies.csv" "$BATS_TEST_TMPDIR/before.csv"
	run --separate-stderr tmdb-load csv "$DIR" movies < <(movie 4 Memento 7 8; movie 2 'Following (1998)' 3 4)
	assert_equal "$stderr" "tmdb-load: movies: 0 inserted, 0 updated, 2 unchanged, 0 deleted"
	cmp "$DIR/movies.csv" "$BATS_TEST_TMPDIR/before.csv"
}

@test "csv replaces children of the movies seen, like sqlite" {
	sample_stream | tmdb-load -q csv "$DIR"
	[ "$(ls "$DIR")" = "credits.csv
movies.csv
reviews.csv" ]
	run --separate-stderr tmdb-load csv "$DIR" < <(schema movies; schema credits; schema reviews
		movie 1 Inception 160000000 839030630 | record movies
		{ credit c1 1 0; credit c3 1 2; } | record credits
		review r1 1 8.0 | record reviews)
	assert_success
	[[ $stderr == *"credits: 0 inserted, 0 updated, 2 unchanged, 1 deleted"* ]]
	[[ $stderr == *"reviews: 0 inserted, 0 updated, 1 unchanged, 2 deleted"* ]]
	assert_equal "$(python_csv "$DIR/credits.csv" | jq -r '[.[1:][][0]] | join(",")')" "c1,c3,c4"
	assert_equal "$(python_csv "$DIR/reviews.csv" | jq -r '[.[1:][][0]] | join(",")')" "r1,r4"
}

@test "csv: a bad line leaves every file as it was and no temporary file behind" {
	sample_stream | tmdb-load -q csv "$DIR"
	cp -r "$DIR" "$BATS_TEST_TMPDIR/before"
	run -65 --separate-stderr tmdb-load csv "$DIR" < <(sample_stream | sed 's/"r4"/"r5"/'; echo '{"type":"RECORD","stream":"movies","record":{"movie_id":"9","budget":1.5}}')
	[[ $stderr == "tmdb-load: -:15: movies: column \"budget\": expected an integer, got a real" ]]
	diff -r "$BATS_TEST_TMPDIR/before" "$DIR"
	[ "$(find "$DIR" -mindepth 1 -maxdepth 1 | wc -l)" -eq 4 ]	# the three tables' files and .lock
}

@test "csv: a malformed file exits 65 naming it and the record; a changed header needs --alter" {
	mkdir -p "$DIR"
	header=movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity
	printf '%s\r\n1,"unterminated\r\n' "$header" >"$DIR/movies.csv"
	cp "$DIR/movies.csv" "$BATS_TEST_TMPDIR/before.csv"
	run -65 --separate-stderr tmdb-load csv "$DIR" movies < <(movie 2 Tenet 1 2)
	[[ $stderr == *"$DIR/movies.csv: record 2 (line 2): a quoted field never ends"* ]]
	cmp "$DIR/movies.csv" "$BATS_TEST_TMPDIR/before.csv"
	printf 'movie_id,title,rank\r\n1,Inception,3\r\n2,x"y,4\r\n' >"$DIR/movies.csv"
	run -65 --separate-stderr tmdb-load csv "$DIR" movies < <(movie 2 Tenet 1 2)
	[[ $stderr == *"$DIR/movies.csv: the header ("* ]]
	[[ $stderr == *"--alter merges them"* ]]
	run -65 --separate-stderr tmdb-load --alter csv "$DIR" movies < <(movie 2 Tenet 1 2)
	[[ $stderr == *"record 3 (line 3): a double quote inside an unquoted field"* ]]
	printf 'movie_id,title,rank\r\n1,Inception,3\r\n' >"$DIR/movies.csv"
	run --separate-stderr tmdb-load --alter csv "$DIR" movies < <(movie 2 Tenet 1 2 | jq -c '.tagline = "t"')
	assert_success
	# The union: the file's columns first, then the table's others, then the new one.
	assert_equal "$(head -1 "$DIR/movies.csv" | tr -d '\r')" "movie_id,title,rank,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity,tagline"
	assert_equal "$(python_csv "$DIR/movies.csv" | jq -c '.[1:]')" '[["1","Inception","3","","","","","","","","",""],["2","Tenet","","o","2010-07-16","148","1","2","8.4","100","20.5","t"]]'
}

@test "csv: a table name that is no file name is refused; a folder that cannot be made exits 73" {
	run -65 --separate-stderr tmdb-load csv "$DIR" < <(jq -nc '{type: "SCHEMA", stream: "../escape", schema: {properties: {id: {type: "string"}}}, key_properties: ["id"]}')
	[[ $stderr == *'table "../escape": not usable as a file name'* ]]
	[ ! -e "$BATS_TEST_TMPDIR/escape.csv" ]
	touch "$BATS_TEST_TMPDIR/file"
	run -73 --separate-stderr tmdb-load csv "$BATS_TEST_TMPDIR/file/sub" movies < <(movie 1 Inception 1 2)
	[[ $stderr == *"cannot create the folder"* ]]
}

@test "sqlite: missing folders of DB are created, as csv creates its own; one that cannot be made exits 73" {
	# README's first pipeline into files/warehouse.db failed in a fresh folder: 73,
	# "unable to open database file".
	run --separate-stderr tmdb-load sqlite "$BATS_TEST_TMPDIR/files/sub/warehouse.db" movies < <(movie 1 Inception 1 2)
	assert_success
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/files/sub/warehouse.db" 'SELECT title FROM movies')" Inception
	cd "$BATS_TEST_TMPDIR"
	run --separate-stderr tmdb-load sqlite relative/w.db movies < <(movie 1 Inception 1 2)
	assert_success
	[ -f relative/w.db ]
	touch file
	run -73 --separate-stderr tmdb-load sqlite file/sub/w.db movies < <(movie 1 Inception 1 2)
	assert_equal "$stderr" "tmdb-load: file/sub/w.db: cannot create the folder file/sub: Not a directory"
}

@test "csv - TABLE writes that table's rows to standard output, header first, no merge" {
	sample_stream >"$IN"
	run --separate-stderr tmdb-load csv - reviews <"$IN"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | tr -d '\r')" "review_id,movie_id,title,author,content,created_at,updated_at,rating
r1,1,t,a,c,2020-01-01,2020-01-02,8.0
r2,1,t,a,c,2020-01-01,2020-01-02,
r3,1,t,a,c,2020-01-01,2020-01-02,6.0
r4,3,t,a,c,2020-01-01,2020-01-02,7.5"
	assert_equal "$stderr" "tmdb-load: reviews: 4 inserted, 0 updated, 0 unchanged, 0 deleted"
	# Plain rows; with no input, just the header.
	run --separate-stderr tmdb-load csv - movies </dev/null
	assert_equal "$output" "movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity"$'\r'
}

@test "csv - TABLE: a closed pipe ends it quietly" {
	for i in $(seq 5000); do credit "c$i" 1 "$i"; done >"$IN"
	# shellcheck disable=SC2016 # $1 is the inner shell's argument
	run --separate-stderr bash -c 'tmdb-load csv - credits <"$1" | head -2' _ "$IN"
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[ -z "$stderr" ]
	run bash -c 'tmdb-load csv - credits <"$1" | head -2 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$IN"
	assert_output 0
}

# Deletions (Singer's _sdc_deleted_at), holding (memberships), --print-state.

load sync_rows

# Inception (1) held by 525 and 99, Following (2) by 525 alone, Tenet (3) by no one;
# each with child rows in every child table.
sync_stream() {
	for table in movies credits reviews crew genres memberships sync_state; do schema "$table"; done
	{ movie 1 Inception 160000000 839030630; movie 2 Following 0 48482; movie 3 Tenet 200000000 363656624; } | record movies
	{ credit c1 1 0; credit c2 1 1; credit c4 2 0; } | record credits
	{ review r1 1 8.0; review r4 3 7.5; } | record reviews
	{ crew k1 1 Director; crew k3 2 Director; } | record crew
	{ genre 1 18 Drama; genre 2 18 Drama; genre 3 28 Action; } | record genres
	{ member 525 Director 1; member 99 Director 1; member 525 Director 2; } | record memberships
	{ etag '/movie/1?append_to_response=credits,reviews' 1 'W/"e1"'; etag '/movie/1/reviews?page=2' 1 'W/"e1b"'
	  etag '/movie/2?append_to_response=credits,reviews' 2 'W/"e2"'; etag '/movie/3?append_to_response=credits,reviews' 3 'W/"e3"'; } | record sync_state
}

# target SINK: where the sink writes in this test.
target() {
	if [ "$1" = sqlite ]; then echo "$DB"; else echo "$DIR"; fi
}

# keys SINK TABLE: the first column of every row, sorted, comma-separated.
keys() {
	if [ "$1" = sqlite ]; then
		sqlite3 "$DB" "SELECT group_concat(k) FROM (SELECT $(sqlite3 "$DB" "SELECT name FROM pragma_table_info('$2') WHERE cid = 0") AS k FROM $2 ORDER BY 1)"
	else
		python_csv "$DIR/$2.csv" | jq -r '[.[1:][][0]] | sort | join(",")'
	fi
}

@test "deleting a movie removes it and its rows in every child table (sqlite, csv)" {
	for sink in sqlite csv; do
		sync_stream | tmdb-load -q "$sink" "$(target "$sink")"
		# Only the key is needed; other members are ignored, even unknown ones.
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" < <(schema movies
			jq -nc '{movie_id: "2", title: 7, nonsense: true}' | deleted | record movies)
		assert_success
		[[ $stderr == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$sink: $stderr"
		for table in credits crew genres sync_state; do
			[[ $stderr == *"$table: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$sink $table: $stderr"
		done
		[[ $stderr == *"reviews: 0 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
		assert_equal "$(keys "$sink" movies)" "1,3"
		assert_equal "$(keys "$sink" credits)" "c1,c2"
		assert_equal "$(keys "$sink" crew)" "k1"
		assert_equal "$(keys "$sink" genres)" "1,3"
		assert_equal "$(keys "$sink" sync_state)" "/movie/1/reviews?page=2,/movie/1?append_to_response=credits,reviews,/movie/3?append_to_response=credits,reviews"
		# A plain row of TABLE is a deletion too.
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" movies <<<'{"movie_id": "3", "_sdc_deleted_at": 1}'
		assert_success
		[[ $stderr == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
		[[ $stderr == *"reviews: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
		assert_equal "$(keys "$sink" movies)" "1"
		assert_equal "$(keys "$sink" reviews)" "r1"
		assert_equal "$(keys "$sink" genres)" "1"
	done
}

@test "a deletion of a row that is not there deletes nothing; _sdc_deleted_at never becomes a column (sqlite, csv)" {
	for sink in sqlite csv; do
		sync_stream | tmdb-load -q "$sink" "$(target "$sink")"
		run --separate-stderr tmdb-load --alter "$sink" "$(target "$sink")" < <(schema movies; schema credits
			jq -nc '{movie_id: "42"}' | deleted | record movies
			credit c9 1 9 | deleted | record credits
			movie 4 Memento 9000000 39723096 | jq -c '. + {_sdc_deleted_at: null}' | record movies)
		assert_success
		[[ $stderr == *"movies: 1 inserted, 0 updated, 0 unchanged, 0 deleted"* ]] || fail "$sink: $stderr"
		[[ $stderr == *"credits: 0 inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
		assert_equal "$(keys "$sink" movies)" "1,2,3,4"
		if [ "$sink" = sqlite ]; then
			run sqlite3 "$DB" "SELECT name FROM pragma_table_info('movies') WHERE name LIKE '\\_sdc%' ESCAPE '\\'"
		else
			run head -1 "$DIR/movies.csv"
		fi
		refute_output --partial _sdc_deleted_at
	done
	# csv - cannot take a deletion back from standard output.
	run -65 --separate-stderr tmdb-load csv - movies < <(movie 1 Inception 1 2; jq -nc '{movie_id: "1"}' | deleted)
	[[ $stderr == *"-:2: "*"deletion"* ]]
}

@test "a movie goes when its last membership is deleted, stays while another person holds it, and is never removed unheld (sqlite, csv)" {
	for sink in sqlite csv; do
		sync_stream | tmdb-load -q "$sink" "$(target "$sink")"
		# 99 still holds Inception.
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" memberships < <(member 525 Director 1 | deleted)
		assert_success
		[[ $stderr == *"memberships: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$sink: $stderr"
		[[ $stderr != *"movies: "*[1-9]" deleted"* ]]
		assert_equal "$(keys "$sink" movies)" "1,2,3"
		# Following's last membership: the movie goes with its rows, in the same run.
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" < <(schema memberships
			member 525 Director 2 | deleted | record memberships)
		assert_success
		[[ $stderr == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$sink: $stderr"
		[[ $stderr == *"credits: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
		[[ $stderr == *"sync_state: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
		assert_equal "$(keys "$sink" movies)" "1,3"
		assert_equal "$(keys "$sink" credits)" "c1,c2"
		assert_equal "$(keys "$sink" crew)" "k1"
		# Tenet was never held: a membership deletion that deletes nothing leaves it.
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" memberships < <(member 7 Director 3 | deleted)
		assert_success
		assert_equal "$(keys "$sink" movies)" "1,3"
		# 99's membership deleted while 5 joins in the same run: held at commit, it stays.
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" memberships < <(member 99 Director 1 | deleted; member 5 Writer 1)
		assert_success
		assert_equal "$(keys "$sink" movies)" "1,3"
		assert_equal "$(keys "$sink" memberships)" "5"
	done
}

@test "--print-state on a destination that does not exist prints the empty state and creates nothing" {
	for args in "sqlite $DB" "csv $DIR" "sqlite $BATS_TEST_TMPDIR/no/such.db" "csv $BATS_TEST_TMPDIR/no/such"; do
		# shellcheck disable=SC2086 # args are two words on purpose
		run --separate-stderr tmdb-load --print-state $args <<<'not json: standard input is not read'
		assert_success
		assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
		[ -z "$stderr" ]
	done
	[ ! -e "$DB" ] && [ ! -e "$DIR" ] && [ ! -e "$BATS_TEST_TMPDIR/no" ]
	run -64 --separate-stderr tmdb-load --print-state csv -
	run -64 --separate-stderr tmdb-load --print-state sqlite "$DB" movies
	[ ! -e "$DB" ]
}

# shellcheck disable=SC2030 # run sets status here; second_load_refused reads the status of its own run
@test "--print-state lists the loaded movies' ETags and members, and nothing of movies no longer there (sqlite, csv)" {
	expected='{"version":1,"etags":{"/movie/1/reviews?page=2":"W/\"e1b\"","/movie/1?append_to_response=credits,reviews":"W/\"e1\"","/movie/2?append_to_response=credits,reviews":"W/\"e2\"","/movie/3?append_to_response=credits,reviews":"W/\"e3\""},"members":[{"person_id":"525","job":"Director","movie_id":"1"},{"person_id":"525","job":"Director","movie_id":"2"},{"person_id":"99","job":"Director","movie_id":"1"}]}'
	for sink in sqlite csv; do
		sync_stream | tmdb-load -q "$sink" "$(target "$sink")"
		run --separate-stderr tmdb-load --print-state "$sink" "$(target "$sink")" </dev/null
		assert_success
		assert_equal "$output" "$expected"
		[ "${#lines[@]}" -eq 1 ]
	done
	# Following's row removed by hand: its ETag and member are no longer claimed.
	sqlite3 "$DB" "DELETE FROM movies WHERE movie_id = '2'"
	run --separate-stderr tmdb-load --print-state sqlite "$DB"
	assert_success
	assert_equal "$output" "$(jq -c 'del(.etags["/movie/2?append_to_response=credits,reviews"]) | del(.members[1])' <<<"$expected")"
	# Every movie gone: nothing is claimed, though sync_state and memberships still have rows.
	sqlite3 "$DB" "DELETE FROM movies"
	run --separate-stderr tmdb-load --print-state sqlite "$DB"
	assert_success
	assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
	head -1 "$DIR/movies.csv" >"$BATS_TEST_TMPDIR/header" && mv "$BATS_TEST_TMPDIR/header" "$DIR/movies.csv"
	run --separate-stderr tmdb-load --print-state csv "$DIR"
	assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
	# A destination that exists but cannot be read is an error, not an empty state.
	printf 'not a database' >"$DB"
	run -74 --separate-stderr tmdb-load --print-state sqlite "$DB"
	[ -z "$output" ]
}

@test "--print-state --ids FILE: only the listed movies' state, IDs as tmdb-fetch reads them (sqlite, csv)" {
	local e2='"/movie/2?append_to_response=credits,reviews":"W/\"e2\""' e3='"/movie/3?append_to_response=credits,reviews":"W/\"e3\""'
	printf '2\r\n{"adult":false,"id":3,"original_title":"x"}\n99\n\n2' >"$BATS_TEST_TMPDIR/ids"
	for sink in sqlite csv; do
		sync_stream | tmdb-load -q "$sink" "$(target "$sink")"
		run --separate-stderr tmdb-load --print-state --ids "$BATS_TEST_TMPDIR/ids" "$sink" "$(target "$sink")"
		assert_success
		assert_equal "$output" "{\"version\":1,\"etags\":{$e2,$e3},\"members\":[{\"person_id\":\"525\",\"job\":\"Director\",\"movie_id\":\"2\"}]}"
		run --separate-stderr tmdb-load --print-state --ids - "$sink" "$(target "$sink")" <<<'3'
		assert_success
		assert_equal "$output" "{\"version\":1,\"etags\":{$e3},\"members\":[]}"
		run --separate-stderr tmdb-load --print-state --ids /dev/null "$sink" "$(target "$sink")"
		assert_equal "$output" '{"version":1,"etags":{},"members":[]}'
		# A line that is no ID: 65 naming the file and line, no state printed.
		run -65 --separate-stderr tmdb-load --print-state --ids - "$sink" "$(target "$sink")" <<<$'2\n{"title":"x"}'
		[ -z "$output" ]
		[[ $stderr == *"-:2: "* ]] || fail "$stderr"
	done
	run -66 --separate-stderr tmdb-load --print-state --ids "$BATS_TEST_TMPDIR/none" sqlite "$DB"
	[[ $stderr == *"$BATS_TEST_TMPDIR/none"* ]] || fail "$stderr"
	run -64 --separate-stderr tmdb-load --ids "$BATS_TEST_TMPDIR/ids" sqlite "$DB" </dev/null
	[[ $stderr == *"--ids"*"--print-state"* ]] || fail "$stderr"
}

@test "--print-state lists when each request was answered, for the rows that say (sqlite, csv)" {
	for sink in sqlite csv; do
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" < <(schema movies; schema sync_state
			{ movie 1 Inception 1 2; movie 2 Following 3 4; } | record movies
			{ etag /movie/1 1 'W/"e1"' 2026-03-01T10:00:00Z; etag /movie/1/reviews 1 'W/"e1b"' 2026-03-01T10:00:01Z
			  etag /movie/2 2 'W/"e2"'; etag /movie/9 9 'W/"e9"' 2026-03-01T10:00:02Z; } | record sync_state)
		assert_success
		run --separate-stderr tmdb-load --print-state "$sink" "$(target "$sink")"
		assert_success
		# /movie/2 has no time (a row of an older version); /movie/9's movie is not there.
		assert_equal "$output" '{"version":1,"etags":{"/movie/1":"W/\"e1\"","/movie/1/reviews":"W/\"e1b\"","/movie/2":"W/\"e2\""},"fetched":{"/movie/1":"2026-03-01T10:00:00Z","/movie/1/reviews":"2026-03-01T10:00:01Z"},"members":[]}'
	done
}

@test "a sync_state made before fetched_at gets the column without --alter; --print-state reads it before and after (sqlite, csv)" {
	for sink in sqlite csv; do
		sync_stream | tmdb-load -q "$sink" "$(target "$sink")"
		without_fetched_at "$sink" "$(target "$sink")"
		run --separate-stderr tmdb-load --print-state "$sink" "$(target "$sink")"
		assert_success
		jq -e '.fetched == null and (.etags | length) == 4' <<<"$output"
		run --separate-stderr tmdb-load "$sink" "$(target "$sink")" < <(schema sync_state
			etag '/movie/2?append_to_response=credits,reviews' 2 'W/"e2b"' 2026-03-01T10:00:00Z | record sync_state)
		assert_success
		[[ $stderr == *"sync_state: 0 inserted, 1 updated"* ]] || fail "$sink: $stderr"
		run --separate-stderr tmdb-load --print-state "$sink" "$(target "$sink")"
		jq -e '.fetched == {"/movie/2?append_to_response=credits,reviews": "2026-03-01T10:00:00Z"} and
			.etags["/movie/2?append_to_response=credits,reviews"] == "W/\"e2b\"" and (.etags | length) == 4' <<<"$output" ||
			fail "$sink: $output"
	done
	assert_equal "$(sqlite3 "$DB" "SELECT group_concat(name, ',') FROM pragma_table_info('sync_state')")" "request,movie_id,etag,fetched_at"
	assert_equal "$(head -1 "$DIR/sync_state.csv" | tr -d '\r')" "request,movie_id,etag,fetched_at"
	# The toolkit's other tables still take no column they lack without --alter.
	sqlite3 "$DB" 'ALTER TABLE genres DROP COLUMN name'
	run -65 --separate-stderr tmdb-load sqlite "$DB" genres <<<'{"movie_id": "1", "genre_id": 18, "name": "Drama"}'
	[[ $stderr == *"--alter"* ]]
}

# One writer per destination: DB.lock beside a database, DIR/.lock in a folder.

# lock_file sqlite|csv: the lock file of $DB or $DIR.
lock_file() {
	if [[ $1 == sqlite ]]; then echo "$DB.lock"; else echo "$DIR/.lock"; fi
}

# target sqlite|csv: $DB or $DIR.
target() {
	if [[ $1 == sqlite ]]; then echo "$DB"; else echo "$DIR"; fi
}

# movie_ids sqlite|csv: the movie ids the destination holds, in order, comma-separated.
movie_ids() {
	if [[ $1 == sqlite ]]; then
		sqlite3 "$DB" 'SELECT group_concat(movie_id) FROM (SELECT movie_id FROM movies ORDER BY 1)'
	else
		python_csv "$DIR/movies.csv" | jq -r '[.[1:][][0]] | sort | join(",")'
	fi
}

# is_locked FILE: some process holds an exclusive flock on FILE.
is_locked() {
	if flock -n "$1" true 2>/dev/null; then return 1; fi
}

# start_slow_load sqlite|csv [OPTION...]: a load that reads a SCHEMA and movie 1, then
# waits on a FIFO for the rest (movie 2) until finish_slow_load. Sets holder to its PID
# and waits until it holds the destination's lock (at most ~10 s; the caller checks).
start_slow_load() {
	local kind=$1
	shift
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	tmdb-load "$@" "$kind" "$(target "$kind")" <"$BATS_TEST_TMPDIR/fifo" 2>"$BATS_TEST_TMPDIR/holder.err" 3>&- &
	holder=$!
	exec 4>"$BATS_TEST_TMPDIR/fifo"
	{ schema movies; movie 1 Inception 1 2 | record movies; } >&4
	for _ in $(seq 200); do
		is_locked "$(lock_file "$kind")" && return 0
		sleep 0.05
	done
}

# finish_slow_load [LINE]: the rest of the slow load's input (movie 2, or LINE), then
# waits for it; holder_status is its exit status.
finish_slow_load() {
	if [[ $# -gt 0 ]]; then echo "$1" >&4; else movie 2 Following 3 4 | record movies >&4; fi
	exec 4>&-
	holder_status=0
	wait "$holder" || holder_status=$?
}

# A second load while the first holds the lock: 75 at once, naming the holder; the
# first's rows all land.
# shellcheck disable=SC2031 # status is set by run in this function
second_load_refused() {
	local kind=$1 dest
	dest=$(target "$kind")
	[[ $kind == sqlite ]] || mkdir -p "$DIR"
	start_slow_load "$kind"
	run --separate-stderr timeout 60 tmdb-load "$kind" "$dest" movies 4>&- < <(movie 3 Tenet 5 6)
	finish_slow_load
	[ "$status" -eq 75 ] || fail "the second load exited $status: $stderr"
	assert_equal "$stderr" "tmdb-load: $dest: in use by tmdb-load (pid $holder); --wait to wait for it"
	[ "$holder_status" -eq 0 ] || fail "the first load failed: $(cat "$BATS_TEST_TMPDIR/holder.err")"
	assert_equal "$(movie_ids "$kind")" "1,2"
}

# With --wait the second load waits for the first: both loads' rows land.
second_load_waits() {
	local kind=$1 dest
	dest=$(target "$kind")
	start_slow_load "$kind"
	timeout 60 tmdb-load --wait "$kind" "$dest" movies 4>&- 3>&- < <(movie 3 Tenet 5 6) 2>"$BATS_TEST_TMPDIR/second.err" &
	second=$!
	finish_slow_load
	second_status=0
	wait "$second" || second_status=$?
	[ "$holder_status" -eq 0 ] || fail "the first load failed: $(cat "$BATS_TEST_TMPDIR/holder.err")"
	[ "$second_status" -eq 0 ] || fail "the second load exited $second_status: $(cat "$BATS_TEST_TMPDIR/second.err")"
	run grep -i 'disk I/O' "$BATS_TEST_TMPDIR/holder.err" "$BATS_TEST_TMPDIR/second.err"
	assert_failure 1
	assert_equal "$(movie_ids "$kind")" "1,2,3"
}

@test "csv: a second load into a folder in use exits 75 naming the holder; the first's rows all land" {
	second_load_refused csv
}

@test "csv: with --wait a second load waits for the first; both loads' rows land" {
	second_load_waits csv
}

@test "sqlite: a second load into a database in use exits 75 naming the holder; the first's rows all land" {
	second_load_refused sqlite
}

@test "sqlite: with --wait a second load waits for the first; both loads' rows land" {
	second_load_waits sqlite
}

@test "a load that fails, or is killed, lets go of the lock: the next load goes ahead" {
	for kind in sqlite csv; do
		rm -f "$BATS_TEST_TMPDIR/fifo"
		start_slow_load "$kind"
		is_locked "$(lock_file "$kind")" || fail "$kind: the load holds no lock"
		finish_slow_load 'not json'
		[ "$holder_status" -eq 65 ] || fail "$kind: the bad load exited $holder_status"
		run --separate-stderr tmdb-load "$kind" "$(target "$kind")" movies 4>&- < <(movie 3 Tenet 5 6)
		assert_success
		assert_equal "$(movie_ids "$kind")" "3"
		# kill -9: the kernel lets go of a flock with the last descriptor.
		rm -f "$BATS_TEST_TMPDIR/fifo"
		start_slow_load "$kind"
		is_locked "$(lock_file "$kind")" || fail "$kind: the load holds no lock"
		kill -9 "$holder"
		wait "$holder" || true
		exec 4>&-
		run --separate-stderr tmdb-load "$kind" "$(target "$kind")" movies 4>&- < <(movie 4 Memento 5 6)
		assert_success
		assert_equal "$(movie_ids "$kind")" "3,4"
	done
}

@test "TMDB_LOCK_FD: a script that holds the destination's lock passes it on; others exit 75" {
	movie 1 Inception 1 2 | tmdb-load -q sqlite "$DB" movies
	# Inputs in files: a process substitution would inherit descriptor 9 and, lingering,
	# hold the lock a moment after the script let go of it.
	movie 2 Following 3 4 >"$BATS_TEST_TMPDIR/2.jsonl"
	movie 3 Tenet 5 6 >"$BATS_TEST_TMPDIR/3.jsonl"
	exec 9>>"$DB.lock"
	flock 9
	# The script may say who holds the lock, as tmdb-load does: "PID PROGRAM".
	printf '%s deploy.sh\n' "$$" >&9
	run --separate-stderr env TMDB_LOCK_FD=9 tmdb-load sqlite "$DB" movies <"$BATS_TEST_TMPDIR/2.jsonl"
	assert_success
	run --separate-stderr tmdb-load sqlite "$DB" movies 9>&- <"$BATS_TEST_TMPDIR/3.jsonl"
	[ "$status" -eq 75 ] || fail "exited $status: $stderr"
	assert_equal "$stderr" "tmdb-load: $DB: in use by deploy.sh (pid $$); --wait to wait for it"
	# A descriptor of the lock file that does not hold the lock while another does: busy.
	exec 8<"$DB.lock"
	run --separate-stderr env TMDB_LOCK_FD=8 tmdb-load sqlite "$DB" movies 9>&- <"$BATS_TEST_TMPDIR/3.jsonl"
	[ "$status" -eq 75 ] || fail "exited $status: $stderr"
	exec 8<&-
	exec 9>&-
	run --separate-stderr tmdb-load sqlite "$DB" movies <"$BATS_TEST_TMPDIR/3.jsonl"
	assert_success
	assert_equal "$(movie_ids sqlite)" "1,2,3"
}

@test "a holder whose lock file says nothing is 'another process'" {
	movie 1 Inception 1 2 | tmdb-load -q sqlite "$DB" movies
	# shellcheck disable=SC2016 # $1 is the inner shell's argument
	flock -o "$DB.lock" sh -c 'while [ ! -e "$1" ]; do sleep 0.05; done' _ "$BATS_TEST_TMPDIR/release" 3>&- &
	locker=$!
	for _ in $(seq 200); do is_locked "$DB.lock" && break; sleep 0.05; done
	run --separate-stderr tmdb-load sqlite "$DB" movies < <(movie 3 Tenet 5 6)
	touch "$BATS_TEST_TMPDIR/release"
	wait "$locker"
	[ "$status" -eq 75 ] || fail "exited $status: $stderr"
	assert_equal "$stderr" "tmdb-load: $DB: in use by another process; --wait to wait for it"
	assert_equal "$(movie_ids sqlite)" "1"
}

@test "a line that is not one JSON object is refused as every program refuses it: 65, -:N, the same reason" {
	assert_refuses_bad_json tmdb-load tmdb-load sqlite "$DB" movies
	assert_refuses_bad_json tmdb-load tmdb-load csv "$DIR" movies
}

# Peak memory of tmdb-load csv (issue 14). peak_rss_kib ARGS... <INPUT: runs tmdb-load
# ARGS, prints its peak RSS in KiB (ru_maxrss of the waited-for child); fails with its status.
# A sanitizer build would keep up to 256 MiB of freed memory in quarantine: none here.
peak_rss_kib() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0:thread_local_quarantine_size_kb=0" \
		python3 -c 'import resource, subprocess, sys
status = subprocess.call(sys.argv[1:])
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(status)' tmdb-load "$@"
}

@test "csv: memory stays flat: a load and a merge of 10x the movies peak under 2x the RSS of a small load" {
	python3 "$PROJECT_ROOT/bench/make_movies.py" movies 2500 | tmdb-shape --all >"$BATS_TEST_TMPDIR/big.stream"
	# The small input: the first 250 movies' rows, in the stream's order (SCHEMA first).
	jq -c 'select(.type != "RECORD" or (.record.movie_id | tonumber) < 10000250)' \
		"$BATS_TEST_TMPDIR/big.stream" >"$BATS_TEST_TMPDIR/small.stream"
	[ "$(jq -c 'select(.stream == "movies" and .type == "RECORD")' "$BATS_TEST_TMPDIR/small.stream" | wc -l)" -eq 250 ]
	small=$(peak_rss_kib -q csv "$DIR.small" <"$BATS_TEST_TMPDIR/small.stream")
	fresh=$(peak_rss_kib -q csv "$DIR" <"$BATS_TEST_TMPDIR/big.stream")
	# Again into the same folder: every file's rows are read back and merged.
	merged=$(peak_rss_kib -q csv "$DIR" <"$BATS_TEST_TMPDIR/big.stream")
	[ "$(wc -l <"$DIR/movies.csv")" -eq 2501 ]
	echo "peak RSS: $small KiB at 250 movies, $fresh KiB at 2500, $merged KiB merging 2500" >&3
	[ "$fresh" -lt $((2 * small)) ] || fail "a fresh load of 2500 movies peaked at $fresh KiB, 250 at $small KiB"
	[ "$merged" -lt $((2 * small)) ] || fail "a merge of 2500 movies peaked at $merged KiB, 250 at $small KiB"
}
