#!/usr/bin/env bats
# tmdb-shape: the seed's three tables, the crew and the genres, typed, from movie objects;
# a Singer stream with --all.

load test_helper
load bad_json

REAL="$BATS_TEST_DIRNAME/fixtures/tmdb-real"
FIXTURES="$BATS_TEST_DIRNAME/fixtures/tmdb"

# Fight Club as tmdb-fetch movie writes it, built from the real recorded responses.
fight_club() {
	jq -c --slurpfile credits "$REAL/movie_550_credits.json" --slurpfile reviews "$REAL/movie_550_reviews.json" \
		'. + {credits: ($credits[0] | del(.id)), reviews: ($reviews[0] | del(.id))}' \
		"$REAL/movie_550_details_2025-09-10.json"
}

# fixture_movie ID: the fixture movie as tmdb-fetch movie writes it (details, credits and
# every review appended).
fixture_movie() {
	jq -c --slurpfile credits "$FIXTURES/movie/$1/credits.json" --slurpfile reviews "$FIXTURES/movie/$1/reviews.json" \
		'. + {credits: ($credits[0] | del(.id)), reviews: ($reviews[0] | del(.id))}' "$FIXTURES/movie/$1.json"
}

fixture_movie_ids() {
	find "$FIXTURES/movie" -maxdepth 1 -name '*.json' -printf '%f\n' | sed 's/\.json$//' | sort -n
}

@test "the real Fight Club responses shape to the expected movies row" {
	run --separate-stderr tmdb-shape movies <(fight_club)
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["movie_id","title","overview","release_date","runtime","budget","revenue","vote_average","vote_count","popularity"]' ]
	jq -e '.movie_id == "550" and .title == "Fight Club" and .release_date == "1999-10-15"
		and .runtime == 139 and .budget == 63000000 and .revenue == 100853753
		and .vote_average == 8.438 and .vote_count == 30717 and .popularity == 24.1745
		and (.overview | startswith("A ticking-time-bomb insomniac"))' <<<"$output"
}

@test "credits are the cast: one typed row per cast credit" {
	run --separate-stderr tmdb-shape credits <(fight_club)
	assert_success
	[ "${#lines[@]}" -eq "$(jq '.cast | length' "$REAL/movie_550_credits.json")" ]
	[ "$(head -1 <<<"$output")" = '{"credit_id":"52fe4250c3a36847f80149f3","movie_id":"550","title":"Fight Club","person_id":"819","person_name":"Edward Norton","character":"Narrator","order":0,"cast_id":4}' ]
	jq -e -s 'all(.person_id | type == "string") and all(.order | type == "number")' <<<"$output"
}

@test "reviews keep every review; a null rating stays null and ratings are reals" {
	run --separate-stderr tmdb-shape reviews <(fight_club)
	assert_success
	[ "${#lines[@]}" -eq 9 ]
	goddard=$(grep '"author":"Goddard"' <<<"$output")
	[ "$(jq -c '[.review_id, .movie_id, .title, .rating]' <<<"$goddard")" = '["5b1c13b9c3a36848f2026384","550","Fight Club",null]' ]
	[[ $(grep '"author":"Brett Pascoe"' <<<"$output") == *'"rating":9.0}' ]]
	jq -e -s 'all(.created_at | test("^[0-9]{4}-"))' <<<"$output"
}

@test "the real Inception details shape; with no credits appended there is no cast to shape: 65" {
	run --separate-stderr tmdb-shape movies <(jq -c . "$REAL/movie_27205_inception_details_2025-06-01.json")
	assert_success
	jq -e '.movie_id == "27205" and .budget == 160000000 and .revenue == 839030630 and .runtime == 148' <<<"$output"
	run -65 --separate-stderr tmdb-shape credits <(jq -c . "$REAL/movie_27205_inception_details_2025-06-01.json")
	[ -z "$output" ]
	[[ $stderr == *':1: no "credits" object'* ]]
}

@test "missing fields are null and an empty release_date is null" {
	run --separate-stderr tmdb-shape movies <<<'{"id": 7, "title": "Untitled", "release_date": "", "vote_average": 0}'
	assert_success
	assert_output '{"movie_id":"7","title":"Untitled","overview":null,"release_date":null,"runtime":null,"budget":null,"revenue":null,"vote_average":0.0,"vote_count":null,"popularity":null}'
}

@test "crew: one typed row per crew credit, equal to the source for every fixture movie" {
	for id in $(fixture_movie_ids); do
		run --separate-stderr tmdb-shape crew <(fixture_movie "$id")
		assert_success
		expected=$(jq -c --arg movie "$id" '[.crew[] | {credit_id, movie_id: $movie, person_id: (.id | tostring),
			person_name: .name, department, job}]' "$FIXTURES/movie/$id/credits.json")
		json_eq <(jq -s -c . <<<"$output") <(printf '%s' "$expected")
		[ "${#lines[@]}" -eq "$(jq '.crew_counts["'"$id"'"]' "$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json")" ]
	done
	# Columns in the declared order.
	[ "$(head -1 <<<"$output" | jq -c keys_unsorted)" = '["credit_id","movie_id","person_id","person_name","department","job"]' ]
}

@test "genres: one row per genre of each movie, equal to the source for every fixture movie" {
	for id in $(fixture_movie_ids); do
		run --separate-stderr tmdb-shape genres <(fixture_movie "$id")
		assert_success
		expected=$(jq -c '(.id | tostring) as $movie | [.genres[] | {movie_id: $movie, genre_id: .id, name}]' \
			"$FIXTURES/movie/$id.json")
		json_eq <(jq -s -c . <<<"$output") <(printf '%s' "$expected")
		jq -e -s --argjson ids "$(jq -c '.movies["'"$id"'"].genre_ids' "$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json")" \
			'map(.genre_id) == $ids' <<<"$output"
	done
	[ "$(head -1 <<<"$output" | jq -c keys_unsorted)" = '["movie_id","genre_id","name"]' ]
	# genre_id is an integer, the movie's id text.
	jq -e -s 'all(.genre_id | type == "number") and all(.movie_id | type == "string")' <<<"$output"
	# A movie without genres has no genre rows.
	run --separate-stderr tmdb-shape genres <<<'{"id": 7, "genres": []}'
	assert_success
	[ -z "$output" ]
}

@test "--all is a Singer stream: each table's SCHEMA before its RECORDs" {
	# A sync's movie line carries _sync: who brought it and its requests' ETags.
	fight_club | jq -c '. + {_sync: {members: [{person_id: "7467", job: "Director"}],
		etags: [{request: "/movie/550?x", etag: "W/\"a\""}, {request: "/movie/550/reviews?page=2", etag: "W/\"b\""}]}}' \
		>"$BATS_TEST_TMPDIR/movie.json"
	run --separate-stderr tmdb-shape --all "$BATS_TEST_TMPDIR/movie.json"
	assert_success
	[ "$(jq -r 'select(.type == "SCHEMA") | .stream' <<<"$output" | paste -sd,)" = movies,credits,reviews,crew,genres,memberships,sync_state ]
	counts=$(jq -c '{movies: 1, credits: (.credits.cast | length), reviews: (.reviews.results | length),
		crew: (.credits.crew | length), genres: (.genres | length), memberships: (._sync.members | length),
		sync_state: (._sync.etags | length)}' "$BATS_TEST_TMPDIR/movie.json")
	jq -e -s --argjson counts "$counts" '
		(map(select(.type == "SCHEMA")) | map({(.stream): .key_properties}) | add)
			== {movies: ["movie_id"], credits: ["credit_id"], reviews: ["review_id"],
			    crew: ["credit_id"], genres: ["movie_id", "genre_id"],
			    memberships: ["person_id", "job", "movie_id"], sync_state: ["request"]}
		and (to_entries | map(select(.value.type == "RECORD")) | all(.key >= 7))
		and ([.[] | select(.type == "RECORD")] | group_by(.stream) | map({(.[0].stream): length}) | add)
			== $counts' <<<"$output"
	# Without TABLE the stream is the default.
	run --separate-stderr tmdb-shape "$BATS_TEST_TMPDIR/movie.json"
	[ "${#lines[@]}" -eq "$(jq '7 + ([.[]] | add)' <<<"$counts")" ]
}

@test "--all validates as Singer SCHEMA and RECORD messages, for every fixture movie" {
	for id in $(fixture_movie_ids); do
		fixture_movie "$id"
	done >"$BATS_TEST_TMPDIR/movies.jsonl"
	tmdb-shape --all "$BATS_TEST_TMPDIR/movies.jsonl" >"$BATS_TEST_TMPDIR/stream.jsonl"
	run --separate-stderr python3 "$BATS_TEST_DIRNAME/singer_check.py" "$BATS_TEST_TMPDIR/stream.jsonl"
	assert_success
	[ -z "$stderr" ]
	# Every row of every movie is in it.
	[ "$(wc -l <"$BATS_TEST_TMPDIR/stream.jsonl")" -eq "$(jq -s '7 + (map(1 + (.credits.cast | length)
		+ (.reviews.results | length) + (.credits.crew | length) + (.genres | length)) | add)' "$BATS_TEST_TMPDIR/movies.jsonl")" ]
	# The check can fail: a record with a value of the wrong type, or a column its
	# schema lacks, or before its SCHEMA, is caught.
	stream="$BATS_TEST_TMPDIR/stream.jsonl"
	for broken in \
		'(.[] | select(.type == "RECORD" and .stream == "genres")) |= (.record.genre_id |= tostring)' \
		'(.[] | select(.type == "RECORD" and .stream == "crew")) |= (.record.extra = 1)' \
		'(.[] | select(.type == "RECORD" and .stream == "movies")) |= (.record.movie_id = null)' \
		'(.[] | select(.type == "SCHEMA" and .stream == "movies")) |= (.key_properties = ["id"])' \
		'del(.[] | select(.type == "SCHEMA" and .stream == "reviews"))' \
		'(.[] | select(.type == "RECORD" and .stream == "movies")) |= (.record.release_date = "2010-13-01")' \
		'(.[] | select(.type == "RECORD" and .stream == "reviews")) |= (.record.created_at = "2010-07-16")' \
		'(.[] | select(.type == "RECORD")) |= (.time_extracted = "yesterday")'; do
		run --separate-stderr python3 "$BATS_TEST_DIRNAME/singer_check.py" <(jq -s -c "$broken | .[]" "$stream")
		[ "$status" -eq 1 ] || fail "not caught: $broken"
	done
}

@test "SCHEMA says which strings are dates and date-times; each RECORD says when its movie was fetched" {
	run --separate-stderr tmdb-shape --schema
	assert_success
	jq -e -s 'map({(.stream): (.schema.properties | map_values(.format) | with_entries(select(.value)))}) | add
		== {movies: {release_date: "date"}, credits: {}, reviews: {created_at: "date-time", updated_at: "date-time"},
		    crew: {}, genres: {}, memberships: {}, sync_state: {fetched_at: "date-time"}}' <<<"$output"
	# A sync's movie was fetched when its first request was answered: every record of
	# it says so. A movie without a fetch time was extracted when this run read it.
	fight_club | jq -c '. + {_sync: {members: [], etags: [{request: "/movie/550", etag: "W/\"a\"",
		fetched_at: "2026-11-28T09:30:00Z"}]}}' >"$BATS_TEST_TMPDIR/movie.json"
	run --separate-stderr tmdb-shape --all "$BATS_TEST_TMPDIR/movie.json"
	assert_success
	jq -e -s '[.[] | select(.type == "RECORD") | .time_extracted] | unique == ["2026-11-28T09:30:00Z"]' <<<"$output"
	before=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	run --separate-stderr tmdb-shape --all < <(fight_club)
	after=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	jq -e -s --arg before "$before" --arg after "$after" '[.[] | select(.type == "RECORD") | .time_extracted] | unique
		| length == 1 and .[0] >= $before and .[0] <= $after' <<<"$output"
	# Schema-less rows (a TABLE) stay bare: no message, no time.
	run --separate-stderr tmdb-shape movies "$BATS_TEST_TMPDIR/movie.json"
	jq -e 'has("time_extracted") | not' <<<"$output"
}

@test "--schema prints JSON Schema types, nullable except the key" {
	run --separate-stderr tmdb-shape --schema
	assert_success
	[ "${#lines[@]}" -eq 7 ]
	jq -e -s '.[0].schema.properties | .movie_id.type == "string" and .budget.type == ["integer", "null"] and .vote_average.type == ["number", "null"]' <<<"$output"
	# genres: the key is the pair, both never null and both required.
	jq -e -s '.[4] | .stream == "genres" and .key_properties == ["movie_id", "genre_id"]
		and .schema.required == ["movie_id", "genre_id"]
		and .schema.properties == {movie_id: {type: "string"}, genre_id: {type: "integer"}, name: {type: ["string", "null"]}}' <<<"$output"
}

@test "a bad line exits 65 naming the line; a value of the wrong kind names the column" {
	run -65 --separate-stderr tmdb-shape movies <<<$'{"id": 1}\n{"id": 2}\nnot json'
	[[ $stderr == *"-:3:"* ]]
	run -65 --separate-stderr tmdb-shape movies <<<$'{"id": 1}\n{"id": 2, "budget": "lots"}'
	[[ $stderr == *"-:2: movies.budget: expected an integer"* ]]
	run -65 --separate-stderr tmdb-shape credits <<<'{"title": "no id"}'
	[[ $stderr == *'-:1: not a movie object'* ]]
}

@test "a bad movie prints none of its rows: what shaped before the bad value stays unprinted" {
	# The second cast member is no object: the movie's row and first credit were fine.
	bad='{"id": 3, "title": "Three", "credits": {"cast": [{"credit_id": "c1", "id": 1, "name": "A"}, 7], "crew": []}, "reviews": {"results": []}, "genres": []}'
	run -65 --separate-stderr tmdb-shape --all <<<$'{"id": 1, "title": "One", "credits": {"cast": [], "crew": []}, "reviews": {"results": []}, "genres": []}\n'"$bad"
	[[ $stderr == *"-:2: .credits.cast[1] is not an object"* ]]
	# The SCHEMA messages and movie 1's row, nothing of movie 3.
	[ "$(jq -r -s 'map(select(.type == "RECORD") | .record.movie_id) | join(" ")' <<<"$output")" = "1" ]
}

@test "an object naming a key twice is no movie: 65 naming the line and column" {
	run -65 --separate-stderr tmdb-shape movies <<<$'{"id": 1}\n{"id": 2, "title": "A", "title": "B"}'
	[[ $stderr == *"-:2: not JSON: an object names a key twice (column 25)"* ]]
	[ "$output" = '{"movie_id":"1","title":null,"overview":null,"release_date":null,"runtime":null,"budget":null,"revenue":null,"vote_average":null,"vote_count":null,"popularity":null}' ]
}

@test "--all with a TABLE, or --schema with input, is a usage error" {
	run -64 --separate-stderr tmdb-shape --all movies
	run -64 --separate-stderr tmdb-shape --schema movies
}

# A movie with every child list there and empty, then one line changed by a jq filter.
EMPTY_PARTS='{"id": 1, "title": "One", "credits": {"cast": [], "crew": []}, "reviews": {"page": 1, "results": [], "total_pages": 1}, "genres": []}'

@test "a movie without the credits or reviews a table reads is refused: 65 naming the line, no rows" {
	# filter, tables that must refuse it (the others shape it), the message
	while IFS=$'\t' read -r filter refusing message; do
		input=$(jq -c '., (.id = 2 | .title = "Two" | '"$filter"')' <<<"$EMPTY_PARTS")
		for table in movies credits reviews crew genres --all; do
			if [[ " $refusing " == *" $table "* ]]; then
				run --separate-stderr tmdb-shape "$table" <<<"$input"
				[ "$status" -eq 65 ] || fail "$filter: tmdb-shape $table exited $status"
				[ "$stderr" = "tmdb-shape: -:2: $message" ] || fail "$filter: tmdb-shape $table: $stderr"
				# Nothing of movie 2, not even its movies row.
				[ "$(jq -r -s 'map(.record // . | .movie_id // empty) | unique | join(" ")' <<<"$output")" = "${output:+1}" ] ||
					fail "$filter: tmdb-shape $table printed movie 2's rows"
			else
				run --separate-stderr tmdb-shape "$table" <<<"$input"
				[ "$status" -eq 0 ] || fail "$filter: tmdb-shape $table exited $status: $stderr"
			fi
		done
	done <<'CASES'
del(.credits)	credits crew --all	no "credits" object
.credits = null	credits crew --all	no "credits" object
.credits = []	credits crew --all	no "credits" object
del(.credits.cast)	credits --all	no "credits.cast" list
del(.credits.crew)	crew --all	no "credits.crew" list
.credits.crew = null	crew --all	no "credits.crew" list
del(.reviews)	reviews --all	no "reviews" object
.reviews = null	reviews --all	no "reviews" object
del(.reviews.results)	reviews --all	no "reviews.results" list
del(.genres)	genres --all	no "genres" list
.genres = null	genres --all	no "genres" list
CASES
	# Details alone: the movies row is all there is to shape from them.
	details=$(jq -c '., (.id = 2 | del(.credits, .reviews, .genres))' <<<"$EMPTY_PARTS")
	run --separate-stderr tmdb-shape movies <<<"$details"
	assert_success
	[ "$(jq -r .movie_id <<<"$output" | paste -sd,)" = 1,2 ]
	run -65 --separate-stderr tmdb-shape --all <<<"$details"
	[ "$stderr" = 'tmdb-shape: -:2: no "credits" object' ]
}

@test "present but empty lists are a real empty set: only the movie's row" {
	run --separate-stderr tmdb-shape --all <<<"$EMPTY_PARTS"
	assert_success
	[ "$(jq -c -s 'map(select(.type == "RECORD") | .stream)' <<<"$output")" = '["movies"]' ]
	for table in credits reviews crew genres; do
		run --separate-stderr tmdb-shape "$table" <<<"$EMPTY_PARTS"
		assert_success
		[ -z "$output" ]
	done
}

@test "a line that is not one JSON object is refused as every program refuses it: 65, -:N, the same reason" {
	assert_refuses_bad_json tmdb-shape tmdb-shape movies
	assert_refuses_bad_json tmdb-shape tmdb-shape reviews
}

@test "a value of the wrong kind, or a missing key, is 65 naming the movie's line and the field" {
	# "title": 42 became "42"; a cast entry without credit_id passed here and failed later,
	# in tmdb-load, with a line number of tmdb-load's own input.
	while IFS=$'\t' read -r filter table message; do
		input=$(jq -c '., (.id = 2 | '"$filter"')' <<<"$EMPTY_PARTS")
		for run_table in "$table" --all; do
			run --separate-stderr tmdb-shape "$run_table" <<<"$input"
			[ "$status" -eq 65 ] || fail "$filter: tmdb-shape $run_table exited $status: $output"
			[ "$stderr" = "tmdb-shape: -:2: $message" ] || fail "$filter: tmdb-shape $run_table: $stderr"
		done
	done <<'CASES'
.title = 42	movies	movies.title: expected a string in .title
.overview = true	movies	movies.overview: expected a string in .overview
.release_date = 20100716	movies	movies.release_date: expected a string in .release_date
.runtime = "148"	movies	movies.runtime: expected an integer in .runtime
.vote_average = "8.1"	movies	movies.vote_average: expected a number in .vote_average
.popularity = [1]	movies	movies.popularity: expected a number in .popularity
.credits.cast = [{"credit_id": "c1", "id": 7, "name": "A"}, {"id": 8, "name": "B"}]	credits	credits.credit_id: missing in .credits.cast[1].credit_id
.credits.cast = [{"credit_id": null, "id": 8}]	credits	credits.credit_id: missing in .credits.cast[0].credit_id
.credits.cast = [{"credit_id": 5, "id": 8}]	credits	credits.credit_id: expected a string in .credits.cast[0].credit_id
.credits.cast = [{"credit_id": "c1", "id": 8, "name": 7}]	credits	credits.person_name: expected a string in .credits.cast[0].name
.credits.cast = [{"credit_id": "c1", "id": "8", "order": 1.5}]	credits	credits.order: expected an integer in .credits.cast[0].order
.credits.crew = [{"id": 8, "job": "Director"}]	crew	crew.credit_id: missing in .credits.crew[0].credit_id
.reviews.results = [{"author": "A"}]	reviews	reviews.review_id: missing in .reviews.results[0].id
.reviews.results = [{"id": "r1", "author_details": {"rating": "9"}}]	reviews	reviews.rating: expected a number in .reviews.results[0].author_details.rating
.genres = [{"name": "Drama"}]	genres	genres.genre_id: missing in .genres[0].id
CASES
	# TMDB's numeric ids are text keys: a movie's and a person's id may be numbers.
	run --separate-stderr tmdb-shape credits <<<"$(jq -c '.credits.cast = [{"credit_id": "c1", "id": 8}]' <<<"$EMPTY_PARTS")"
	assert_success
	[ "$output" = '{"credit_id":"c1","movie_id":"1","title":"One","person_id":"8","person_name":null,"character":null,"order":null,"cast_id":null}' ]
}
