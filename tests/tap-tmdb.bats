#!/usr/bin/env bats
# pipelines/tap-tmdb.sh: the toolkit as a Singer tap, called as Meltano calls taps
# (--discover, then --catalog and --state), against the fake TMDB.

load with_fake_tmdb

TAP="$BATS_TEST_DIRNAME/../pipelines/tap-tmdb.sh"
FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"
FIXTURES="$BATS_TEST_DIRNAME/fixtures/tmdb"

setup() {
	fake_reset
	cd "$BATS_TEST_TMPDIR" || return
	# The credential in the config, as Meltano writes a tap's settings; none in the
	# environment.
	jq -n --arg key "$FAKE_API_KEY" --arg url "$TMDB_BASE_URL" \
		'{api_key: $key, people: [525], job: "Director", base_url: $url, rate: 0}' >config.json
	chmod 600 config.json
	unset TMDB_API_KEY TMDB_BASE_URL
}

tap() {
	bash "$TAP" "$@"
}

# The tables a load of the same films by the toolkit's own pipeline holds: the reference.
reference_db() {
	(set -o pipefail
		TMDB_API_KEY=$FAKE_API_KEY tmdb-fetch --base-url "$FAKE_URL/3" person 525 | tmdb-director --sync |
			TMDB_API_KEY=$FAKE_API_KEY tmdb-fetch --base-url "$FAKE_URL/3" movie | tmdb-shape --all |
			tmdb-load -q sqlite reference.db >/dev/null)
}

# dump DB TABLE...: each table's rows, sync_state without its times (they differ run to run).
dump() {
	local db=$1 table
	shift
	for table in "$@"; do
		sqlite3 "$db" "SELECT $(dump_columns "$table") FROM \"$table\" ORDER BY 1, 2"
	done
}

@test "--help, --version; usage errors exit 64" {
	run --separate-stderr tap --help
	assert_success
	assert_output --partial "--discover"
	run --separate-stderr tap --version
	[[ $output =~ ^tap-tmdb(.sh)?\ [0-9] ]] || fail "$output"
	run -64 --separate-stderr tap --discover
	[[ $stderr == *"--config FILE is required"* ]] || fail "$stderr"
	run -64 --separate-stderr tap --config config.json --discover --catalog x.json
	run -64 --separate-stderr tap --config config.json --frobnicate
}

@test "--discover prints the catalog: every stream with tmdb-shape's schema, its key and Singer metadata" {
	run --separate-stderr tap --config config.json --discover
	assert_success
	[ "$(wc -l <<<"$output")" -eq 1 ]
	jq -e --slurpfile schemas <(tmdb-shape --schema) '
		(.streams | map(.tap_stream_id)) == ($schemas | map(.stream))
		and all(.streams[]; . as $s | ($schemas[] | select(.stream == $s.stream)) as $m
			| $s.schema == $m.schema and $s.key_properties == $m.key_properties
			and ($s.metadata[] | select(.breadcrumb == []) | .metadata["table-key-properties"]) == $m.key_properties
			and ([$s.metadata[] | select(.breadcrumb != []) | .breadcrumb[1]] == ($m.schema.properties | keys_unsorted)))' <<<"$output"
	# Nothing was asked of TMDB.
	[ "$(fake_requests . | wc -l)" -eq 0 ]
}

@test "as Meltano runs it: discover, select, sync into tmdb-load with an empty state, then again with the state it saved" {
	tap --config config.json --discover >catalog.json
	# Meltano's select: no reviews.
	jq '(.streams[] | select(.stream == "reviews") | .metadata[] | select(.breadcrumb == []) | .metadata.selected) = false' \
		catalog.json >selected.json
	echo '{}' >state.json
	# shellcheck disable=SC2016 # $1 is the inner shell's argument
	run --separate-stderr bash -c 'set -o pipefail; bash "$1" --config config.json --catalog selected.json --state state.json |
		tee stream.jsonl | tmdb-load sqlite w.db' _ "$TAP"
	assert_success
	# The stream: SCHEMA and RECORD of the selected streams, one STATE, last.
	python3 "$BATS_TEST_DIRNAME/singer_check.py" stream.jsonl
	assert_equal "$(jq -r 'select(.type == "SCHEMA") | .stream' stream.jsonl | paste -sd ,)" movies,credits,crew,genres,memberships,sync_state
	assert_equal "$(jq -r .type stream.jsonl | grep -c STATE)" 1
	assert_equal "$(tail -1 stream.jsonl | jq -r .type)" STATE
	# tmdb-load printed the state once committed: what Meltano saves.
	printf '%s\n' "$output" >state.json
	jq -e '.version == 1 and (.etags | length) > 0 and (.members | length) > 0' state.json || fail "$(jq -c "del(.etags, .fetched)" state.json)"
	# The warehouse holds what the toolkit's own pipeline loads; no reviews (tmdb-load
	# makes every table of the toolkit's, for its view).
	reference_db
	diff <(dump w.db movies credits crew genres memberships sync_state) \
		<(dump reference.db movies credits crew genres memberships sync_state)
	[ "$(sqlite3 w.db "SELECT count(*) FROM reviews")" -eq 0 ]
	[ "$(sqlite3 w.db 'SELECT count(*) FROM movies')" -eq "$(jq '.person_525_director_movie_ids | length' "$FACTS")" ]
	# The next run with that state: nothing changed, so no movie body comes again and
	# no row changes.
	fake_reset
	# shellcheck disable=SC2016 # $1 is the inner shell's argument
	run --separate-stderr bash -c 'set -o pipefail; bash "$1" --config config.json --catalog selected.json --state state.json |
		tmdb-load sqlite w.db' _ "$TAP"
	assert_success
	[ "$(fake_requests 'select(.path | test("^/3/movie/[0-9]+$")) | select(.status != 304)' | wc -l)" -eq 0 ]
	[[ $stderr == *"movies: 0 inserted, 0 updated"* ]] || fail "$stderr"
	diff <(dump w.db movies credits crew genres memberships) <(dump reference.db movies credits crew genres memberships)
	# The key was in no output and on no command line of its own (it is in config.json).
	run grep -rlF "$FAKE_API_KEY" stream.jsonl state.json
	assert_failure
}

@test "with the state it saved, a film that leaves the person's filmography is deleted (_sdc_deleted_at), with its rows" {
	tap --config config.json | tmdb-load -q sqlite w.db >state.json
	jq -e '[.members[] | select(.movie_id == "155")] | length == 1' state.json
	fake_resource "$(jq -c '{path: "person/525/movie_credits", json: (.crew |= map(select(.id != 155)))}' \
		"$FIXTURES/person/525/movie_credits.json")"
	tap --config config.json --state state.json >stream.jsonl
	jq -e -s '[.[] | select(.type == "RECORD" and .record.movie_id == "155")] | length > 0
		and all(has("record") and (.record._sdc_deleted_at | type) == "string")' <(grep '"movie_id":"155"' stream.jsonl)
	run --separate-stderr tmdb-load sqlite w.db <stream.jsonl
	assert_success
	[[ $stderr == *"movies: 0 inserted, 0 updated, 0 unchanged, 1 deleted"* ]] || fail "$stderr"
	for table in movies credits reviews crew genres memberships sync_state; do
		[ "$(sqlite3 w.db "SELECT count(*) FROM $table WHERE movie_id = '155'")" -eq 0 ] || fail "155 in $table"
	done
	# The new state no longer holds it.
	printf '%s\n' "$output" | jq -e '[.members[] | select(.movie_id == "155")] | length == 0'
}

@test "a run that fails half way writes no STATE and exits with tmdb-fetch's status" {
	fake_fault '{"match": "^/3/movie/27205$", "kind": "status", "status": 500, "times": 1000}'
	run --separate-stderr tap --config config.json
	assert_failure 69
	[[ $output != *'"type":"STATE"'* ]] || fail "a STATE after a failure"
	[[ $stderr == *27205* ]] || fail "$stderr"
}

@test "a configuration, catalog or state that cannot be used exits 78 naming it" {
	for bad in '{"people": []}' '{"people": ["x"]}' '{"people": [525], "jobs": "Director"}' \
		'{"people": [525], "rate": "fast"}' '[525]' 'not json'; do
		printf '%s\n' "$bad" >bad.json
		run -78 --separate-stderr tap --config bad.json --discover
		[[ $stderr == "tap-tmdb"*": bad.json"* ]] || fail "$bad: $stderr"
	done
	run -78 --separate-stderr tap --config missing.json --discover
	echo '{"streams": 1}' >catalog.json
	run -78 --separate-stderr tap --config config.json --catalog catalog.json
	[[ $stderr == *"catalog.json"* ]] || fail "$stderr"
	echo '{"streams": []}' >catalog.json
	run -78 --separate-stderr tap --config config.json --catalog catalog.json
	for bad in '{"etags": 1}' 'not json' '[]'; do
		echo "$bad" >state.json
		run -78 --separate-stderr tap --config config.json --state state.json
		[[ $stderr == *"state.json"* ]] || fail "$bad: $stderr"
	done
	[ "$(fake_requests 'select(.path | startswith("/3/movie/"))' | wc -l)" -eq 0 ]
}
