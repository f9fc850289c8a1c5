#!/usr/bin/env bats
# deploy.sh into a real PostgreSQL (started here), and the same rows into sqlite and csv.

load test_helper
load postgres

DEPLOY="$BATS_TEST_DIRNAME/../pipelines/deploy.sh"
FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"

setup_file() {
	start_fake_tmdb
	start_postgres
}

teardown_file() {
	stop_postgres
	stop_fake_tmdb
}

setup() {
	fake_reset
	pg_reset
	export TMDB_DEPLOY_HOME="$BATS_TEST_TMPDIR/home"
	cd "$BATS_TEST_TMPDIR" || return
	jq -n --arg key "$FAKE_API_KEY" --arg dsn "$PG_DSN" '{
		tmdb: {api_keys: {acme: $key}},
		destinations: {pg: {type: "postgres", dsn: $dsn},
		               lite: {type: "sqlite", path: "lite.db"},
		               flat: {type: "csv", dir: "flat"}}}' >config.json
	unset TMDB_API_KEY
}

# Without the PG* variables the test's psql uses: deploy.sh must reach the database
# through the DSN in config.json alone.
deploy() {
	env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
		bash "$DEPLOY" --account acme --connection "c-$1" --destination "$@" </dev/null
}

@test "deploy into postgres: the source's rows, idempotent on a second run, and the view" {
	run --separate-stderr deploy pg
	assert_success
	movies=$(jq '.person_525_director_movie_ids | length' "$FACTS")
	reviews=$(jq '[.person_525_director_movie_ids[] as $id | .review_counts[$id | tostring]] | add' "$FACTS")
	cast=$(jq '[.person_525_director_movie_ids[] as $id | .cast_counts[$id | tostring]] | add' "$FACTS")
	[ "$(pg_query 'SELECT count(*) FROM movies')" -eq "$movies" ]
	[ "$(pg_query 'SELECT count(*) FROM credits')" -eq "$cast" ]
	[ "$(pg_query 'SELECT count(*) FROM reviews')" -eq "$reviews" ]
	pg_dump_rows() { pg_query "SELECT md5(string_agg(m::text, ',' ORDER BY movie_id)) FROM movies m"; }
	before=$(pg_dump_rows)
	run --separate-stderr deploy pg
	assert_success
	[[ $output == *"movies: 0 inserted, 0 updated"* || $output == *"0 fetched, $movies unchanged"* ]]
	[ "$(pg_dump_rows)" = "$before" ]
	[ "$(pg_query 'SELECT count(*) FROM credits')" -eq "$cast" ]
	[ "$(psql -XAtq -c 'SELECT count(*) FROM movie_analysis_view')" -eq "$movies" ]
	[ "$(psql -XAtq -c "SELECT review_count FROM movie_analysis_view WHERE movie_id = '155'")" -eq 65 ]
}

# One table as sorted JSON rows with numbers as numbers, whatever the destination.
normalize() {
	jq -S -c 'map(with_entries(.value |= (if type == "string" and test("^-?[0-9]+(\\.[0-9]+)?$") then tonumber else . end)))
		| sort_by(tostring)'
}

@test "the same deploy into sqlite and csv gives the same rows as postgres" {
	deploy pg >/dev/null 2>&1
	deploy lite >/dev/null 2>&1
	deploy flat >/dev/null 2>&1
	for table in movies credits reviews crew genres; do
		pg_query "SELECT coalesce(json_agg(t), '[]') FROM $table t" | normalize >"pg.$table"
		sqlite3 -json lite.db "SELECT * FROM $table" | normalize >"lite.$table"
		python3 -c 'import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
print(json.dumps([{k: (None if v == "" else v) for k, v in r.items()} for r in rows]))' "flat/$table.csv" | normalize >"csv.$table"
		cmp "pg.$table" "lite.$table" || fail "$table: postgres and sqlite differ"
		[ "$(jq length "pg.$table")" -gt 0 ]
		# CSV keeps "" apart from null only by quoting, which DictReader does not tell.
		jq -c 'map(with_entries(select(.value != "")))' "csv.$table" >"csv.$table.cmp"
		jq -c 'map(with_entries(select(.value != "" and .value != null)))' "pg.$table" >"pg.$table.cmp"
		jq -c 'map(with_entries(select(.value != null)))' "csv.$table.cmp" | cmp - "pg.$table.cmp" ||
			fail "$table: postgres and csv differ"
	done
}

@test "a new PostgreSQL database for a connection: the next run loads everything again" {
	deploy pg >/dev/null 2>&1
	pg_reset
	run --separate-stderr deploy pg
	assert_success
	movies=$(jq '.person_525_director_movie_ids | length' "$FACTS")
	[[ $output == *"$movies fetched, 0 unchanged"* ]]
	[ "$(pg_query 'SELECT count(*) FROM movies')" -eq "$movies" ]
	[ "$(jq '.etags | length' "$TMDB_DEPLOY_HOME/c-pg/state.json")" -gt 0 ]
}

@test "departures in postgres: a film that leaves the filmography goes with its rows, one another connection holds stays" {
	credits=$BATS_TEST_DIRNAME/fixtures/tmdb/person
	# Steven Spielberg (488) co-directs The Dark Knight (155) here.
	fake_resource "$(jq -c '{path: "person/488/movie_credits", json: (.crew += [{"id": 155, "job": "Director", "credit_id": "x155"}])}' \
		"$credits/488/movie_credits.json")"
	deploy pg >/dev/null 2>&1
	env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE bash "$DEPLOY" --account acme --connection c-488 \
		--destination pg --director 488 </dev/null >/dev/null 2>&1
	[ "$(pg_query "SELECT count(*) FROM memberships WHERE movie_id = '155'")" -eq 2 ]
	fake_resource "$(jq -c '{path: "person/525/movie_credits", json: (.crew |= map(select(.id != 155 and .id != 27205)))}' \
		"$credits/525/movie_credits.json")"
	run --separate-stderr deploy pg
	assert_success
	[[ $output == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]]
	[ "$(pg_query "SELECT count(*) FROM movies WHERE movie_id = '27205'")" -eq 0 ]
	for table in credits reviews crew genres memberships sync_state; do
		[ "$(pg_query "SELECT count(*) FROM $table WHERE movie_id = '27205'")" -eq 0 ] || fail "27205 is still in $table"
	done
	[ "$(pg_query "SELECT count(*) FROM credits WHERE movie_id = '155'")" -gt 0 ]
	[ "$(pg_query "SELECT person_id FROM memberships WHERE movie_id = '155'")" = 488 ]
}

@test "two connections into one sqlite destination at once: the second exits 75 naming the first, or waits with --wait; both keep their films" {
	fake_fault '{"match": "^/3/movie/27205$", "kind": "slow", "delay": 2, "times": 1}'
	deploy lite >first.out 2>&1 &
	first=$!
	until [[ -s lite.db.lock ]]; do sleep 0.05; done
	run --separate-stderr env -u PGHOST bash "$DEPLOY" --account acme --connection c-488 --destination lite \
		--director 488 </dev/null
	[ "$status" -eq 75 ]
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $output$stderr == *"in use by deploy.sh"* ]]
	wait "$first"
	bash "$DEPLOY" --account acme --connection c-488 --destination lite --director 488 --wait </dev/null >/dev/null 2>&1
	[ "$(sqlite3 lite.db "SELECT count(DISTINCT person_id) FROM memberships")" -eq 2 ]
	[ "$(sqlite3 lite.db 'SELECT count(*) FROM movies')" -eq 17 ]
	run --separate-stderr deploy lite
	assert_success
	[[ $output == *"0 fetched, 13 unchanged"* ]]
	[ "$(sqlite3 lite.db 'SELECT count(*) FROM movies')" -eq 17 ]
}
