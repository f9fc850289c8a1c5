#!/usr/bin/env bats
# tmdb-director: crew credits by job, as the API gave them, once per movie and job.

load test_helper
load bad_json

CREDITS="$BATS_TEST_DIRNAME/fixtures/tmdb/person/525/movie_credits.json"
FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"

@test "the default job is Director: one line per directed movie, in crew order" {
	run --separate-stderr tmdb-director "$CREDITS"
	assert_success
	diff <(jq -c .id <<<"$output" | paste -sd,) <(jq -c '.person_525_director_movie_ids[]' "$FACTS" | paste -sd,)
	jq -e -s 'all(.job == "Director")' <<<"$output"
}

@test "a Director credit listed twice for one movie yields one line" {
	movie=$(jq .duplicate_director_credit.movie_id "$FACTS")
	[ "$(jq --argjson m "$movie" '[.crew[] | select(.id == $m and .job == "Director")] | length' "$CREDITS")" -eq 2 ]
	run --separate-stderr tmdb-director "$CREDITS"
	[ "$(jq --argjson m "$movie" 'select(.id == $m)' <<<"$output" | jq -s length)" -eq 1 ]
}

@test "each line is the crew credit exactly as the API gave it" {
	run --separate-stderr tmdb-director "$CREDITS"
	assert_success
	[ "${#lines[@]}" -eq "$(jq '.person_525_director_movie_ids | length' "$FACTS")" ]
	while read -r credit; do
		id=$(jq -r .credit_id <<<"$credit")
		json_eq <(printf '%s\n' "$credit") <(jq --arg id "$id" '.crew[] | select(.credit_id == $id)' "$CREDITS")
	done <<<"$output"
}

@test "--job is repeatable and matches jobs exactly" {
	run --separate-stderr tmdb-director --job Director -j Writer "$CREDITS"
	assert_success
	expected=$(jq '[.crew[] | select(.job == "Director" or .job == "Writer") | [.id, .job]] | unique | length' "$CREDITS")
	[ "${#lines[@]}" -eq "$expected" ]
	run --separate-stderr tmdb-director --job director "$CREDITS"
	assert_success
	[ -z "$output" ]
}

@test "cast credits are never written" {
	# A Director credit under cast (1124) and one under crew (155): only the crew's is written.
	jq -c '[.crew[] | select(.job == "Director")] as $d | {id: 1, cast: [$d[0]], crew: [$d[1]]}' "$CREDITS" >"$BATS_TEST_TMPDIR/cast-only"
	run --separate-stderr tmdb-director "$BATS_TEST_TMPDIR/cast-only"
	assert_success
	[ "$(jq -c .id <<<"$output")" = 155 ]
}

@test "reads standard input and several files in order; - is standard input" {
	jq -c . "$CREDITS" >"$BATS_TEST_TMPDIR/one"
	jq -c '.crew |= map(select(.id == 27205))' "$CREDITS" >"$BATS_TEST_TMPDIR/two"
	run --separate-stderr tmdb-director "$BATS_TEST_TMPDIR/two" - <"$BATS_TEST_TMPDIR/one"
	assert_success
	[ "$(jq -s 'length' <<<"$output")" -eq 14 ]
	[ "$(head -1 <<<"$output" | jq .id)" -eq 27205 ]
}

@test "a bad line exits 65 naming its number" {
	run -65 --separate-stderr tmdb-director <<<"$(jq -c . "$CREDITS")"$'\n{"crew": [}'
	[[ $stderr == *"-:2:"* ]]
	run -65 --separate-stderr tmdb-director <<<'{"cast": []}'
	[[ $stderr == *'-:1: not a movie_credits object: no "crew" array'* ]]
	run -65 --separate-stderr tmdb-director <<<'[1,2]'
	[[ $stderr == *"-:1:"* ]]
}

@test "a missing file exits 66 naming it" {
	run -66 --separate-stderr tmdb-director "$BATS_TEST_TMPDIR/nope.json"
	[[ $stderr == *nope.json* ]]
}

@test "a closed downstream pipe ends quietly" {
	run --separate-stderr bash -c "set -o pipefail; tmdb-director '$CREDITS' | head -1"
	assert_success
	[ -z "$stderr" ]
	[ "$(jq -r .job <<<"$output")" = Director ]
}

@test "--sync declares each job's whole set, once, before the person's credits" {
	run --separate-stderr tmdb-director --sync -j Director -j Writer "$CREDITS"
	assert_success
	[ "${lines[0]}" = "$(jq -c '{_sync: {person_id: "525", job: "Director", movies: ([.crew[] | select(.job == "Director") | .id] | reduce .[] as $m ([]; if index([$m]) then . else . + [$m] end))}}' "$CREDITS")" ]
	jq -e '._sync.job == "Writer" and ._sync.person_id == "525"' <<<"${lines[1]}"
	# The credits follow as without --sync.
	diff <(printf '%s\n' "${lines[@]:2}") <(tmdb-director -j Director -j Writer "$CREDITS")
	run -65 --separate-stderr tmdb-director --sync <<<'{"crew": []}'
	[[ $stderr == *'-:1: not a movie_credits object: no person "id"'* ]]
}

@test "a line that is not one JSON object is refused as every program refuses it: 65, -:N, the same reason" {
	assert_refuses_bad_json tmdb-director tmdb-director
	assert_refuses_bad_json tmdb-director tmdb-director --sync
}

@test "a crew entry that is no object, or lacks its job or movie id, is 65 naming the line and the entry" {
	# {"crew":["x"]} was ignored with exit 0.
	good='{"id":525,"crew":[{"job":"Director","id":1}]}'
	while IFS=$'\t' read -r crew why; do
		run -65 --separate-stderr tmdb-director < <(printf '%s\n' "$good" "{\"id\":525,\"crew\":$crew}")
		[ "$stderr" = "tmdb-director: -:2: $why" ] || fail "$crew: stderr was: $stderr"
		[ "$output" = '{"job":"Director","id":1}' ] || fail "$crew: printed: $output"
	done <<'CASES'
["x"]	crew credit 0 is not an object
[{"job":"Director","id":2},7]	crew credit 1 is not an object
[null]	crew credit 0 is not an object
[{"id":2}]	crew credit 0 has no "job" string
[{"job":null,"id":2}]	crew credit 0 has no "job" string
[{"job":7,"id":2}]	crew credit 0 has no "job" string
[{"job":"Writer"}]	crew credit 0 has no movie "id"
[{"job":"Writer","id":"2"}]	crew credit 0 has no movie "id"
[{"job":"Director","id":0}]	crew credit 0 has no movie "id"
CASES
}
