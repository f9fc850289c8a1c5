#!/usr/bin/env bats
# The whole pipeline against the fake TMDB: person 525 into the seed's three tables, the
# crew and the genres.

load with_fake_tmdb

FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"

setup() {
	fake_reset
	DB="$BATS_TEST_TMPDIR/warehouse.db"
}

sync_person() {
	set -o pipefail # any stage failing fails the sync
	tmdb-fetch person "$1" | tmdb-director | tmdb-fetch movie | tmdb-shape --all | tmdb-load sqlite "$DB"
}

rows() {
	sqlite3 "$DB" "$1"
}

@test "person 525 end to end: every directed movie, its cast and all its reviews, once" {
	run --separate-stderr sync_person 525
	assert_success
	movies=$(jq '.person_525_director_movie_ids | length' "$FACTS")
	cast=$(jq '[.person_525_director_movie_ids[] as $id | .cast_counts[$id | tostring]] | add' "$FACTS")
	reviews=$(jq '[.person_525_director_movie_ids[] as $id | .review_counts[$id | tostring]] | add' "$FACTS")
	[ "$(rows 'SELECT count(*) FROM movies')" -eq "$movies" ]
	[ "$(rows 'SELECT count(*) FROM credits')" -eq "$cast" ]
	[ "$(rows 'SELECT count(*) FROM reviews')" -eq "$reviews" ]
	# Every crew credit and every genre of every movie.
	crew=$(jq '[.person_525_director_movie_ids[] as $id | .crew_counts[$id | tostring]] | add' "$FACTS")
	genres=$(jq '[.person_525_director_movie_ids[] as $id | .movies[$id | tostring].genre_ids | length] | add' "$FACTS")
	[ "$(rows 'SELECT count(*) FROM crew')" -eq "$crew" ]
	[ "$(rows 'SELECT count(*) FROM genres')" -eq "$genres" ]
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"crew: $crew inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"genres: $genres inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	# Every Director credit of the person is in the crew table, Interstellar's two as well.
	expected=$(jq -r '.crew[] | select(.job == "Director") | .credit_id' \
		"$PROJECT_ROOT/tests/fixtures/tmdb/person/525/movie_credits.json" | sort)
	assert_equal "$(rows "SELECT credit_id FROM crew WHERE person_id = '525' AND job = 'Director' ORDER BY 1")" "$expected"
	# Each movie's genres, in the facts' words.
	assert_equal "$(rows "SELECT group_concat(genre_id) FROM (SELECT genre_id FROM genres WHERE movie_id = '155' ORDER BY 1)")" \
		"$(jq -r '.movies["155"].genre_ids | sort | join(",")' "$FACTS")"
	# The movie with 4 review pages has all 65; the co-directed one is there once.
	[ "$(rows "SELECT count(*) FROM reviews WHERE movie_id = '155'")" -eq 65 ]
	dup=$(jq -r .duplicate_director_credit.movie_id "$FACTS")
	[ "$(rows "SELECT count(*) FROM movies WHERE movie_id = '$dup'")" -eq 1 ]
	[ "$(fake_count "^/3/movie/$dup\$")" -eq 1 ]
	[[ $stderr == *"movies: $movies inserted, 0 updated, 0 unchanged"* ]]
}

@test "the same sync twice leaves the database as after once, and inserts nothing" {
	sync_person 525 2>/dev/null
	[ "$(rows 'SELECT count(*) FROM movies')" -eq "$(jq '.person_525_director_movie_ids | length' "$FACTS")" ]
	sqlite3 "$DB" .dump >"$BATS_TEST_TMPDIR/once"
	run --separate-stderr sync_person 525
	assert_success
	sqlite3 "$DB" .dump >"$BATS_TEST_TMPDIR/twice"
	cmp "$BATS_TEST_TMPDIR/once" "$BATS_TEST_TMPDIR/twice"
	[[ $stderr == *"movies: 0 inserted, 0 updated"* ]]
	[[ $stderr == *"credits: 0 inserted, 0 updated"* ]]
	[[ $stderr == *"reviews: 0 inserted, 0 updated"* ]]
	[[ $stderr == *"crew: 0 inserted, 0 updated"* ]]
	[[ $stderr == *"genres: 0 inserted, 0 updated"* ]]
}

@test "a cast member and a review dropped at the source disappear on re-sync, and only they" {
	sync_person 525 2>/dev/null
	credits="$PROJECT_ROOT/tests/fixtures/tmdb/movie/155/credits.json"
	reviews="$PROJECT_ROOT/tests/fixtures/tmdb/movie/155/reviews.json"
	gone_credit=$(jq -r '.cast[3].credit_id' "$credits")
	gone_review=$(jq -r '.results[30].id' "$reviews")
	fake_resource "$(jq -c '{path: "movie/155/credits", json: (.cast |= del(.[3]))}' "$credits")"
	fake_resource "$(jq -c '{path: "movie/155/reviews", json: (.results |= del(.[30]))}' "$reviews")"
	before_credits=$(rows 'SELECT count(*) FROM credits')
	before_reviews=$(rows 'SELECT count(*) FROM reviews')
	run --separate-stderr bash -c "tmdb-fetch movie 155 | tmdb-shape --all | tmdb-load sqlite '$DB'"
	assert_success
	[ "$(rows 'SELECT count(*) FROM credits')" -eq $((before_credits - 1)) ]
	[ "$(rows 'SELECT count(*) FROM reviews')" -eq $((before_reviews - 1)) ]
	[ "$(rows "SELECT count(*) FROM credits WHERE credit_id = '$gone_credit'")" -eq 0 ]
	[ "$(rows "SELECT count(*) FROM reviews WHERE review_id = '$gone_review'")" -eq 0 ]
	[ "$(rows "SELECT count(*) FROM reviews WHERE movie_id = '155'")" -eq 64 ]
}

@test "a crew member and a genre dropped at the source disappear on re-sync, and only they" {
	sync_person 525 2>/dev/null
	details="$PROJECT_ROOT/tests/fixtures/tmdb/movie/155.json"
	credits="$PROJECT_ROOT/tests/fixtures/tmdb/movie/155/credits.json"
	gone_crew=$(jq -r '.crew[2].credit_id' "$credits")
	gone_genre=$(jq -r '.genres[1].id' "$details")
	fake_resource "$(jq -c '{path: "movie/155/credits", json: (.crew |= del(.[2]))}' "$credits")"
	fake_resource "$(jq -c '{path: "movie/155", json: (.genres |= del(.[1]))}' "$details")"
	before_crew=$(rows 'SELECT count(*) FROM crew')
	before_genres=$(rows 'SELECT count(*) FROM genres')
	run --separate-stderr sync_person 525
	assert_success
	[[ $stderr == *"crew: 0 inserted, 0 updated, $((before_crew - 1)) unchanged, 1 deleted"* ]]
	[[ $stderr == *"genres: 0 inserted, 0 updated, $((before_genres - 1)) unchanged, 1 deleted"* ]]
	[ "$(rows "SELECT count(*) FROM crew WHERE credit_id = '$gone_crew'")" -eq 0 ]
	[ "$(rows "SELECT count(*) FROM genres WHERE movie_id = '155' AND genre_id = $gone_genre")" -eq 0 ]
	# Another movie with that genre keeps it.
	[ "$(rows "SELECT count(*) FROM genres WHERE movie_id != '155' AND genre_id = $gone_genre")" -gt 0 ]
	[ "$(rows "SELECT count(*) FROM crew WHERE movie_id = '155'")" -eq $(($(jq '.crew | length' "$credits") - 1)) ]
}

@test "the view agrees with the tables for every movie" {
	sync_person 525 2>/dev/null
	run rows "SELECT count(*) FROM movie_analysis_view v WHERE
		v.cast_size != (SELECT count(*) FROM credits c WHERE c.movie_id = v.movie_id)
		OR v.review_count != (SELECT count(*) FROM reviews r WHERE r.movie_id = v.movie_id)
		OR v.profit != v.revenue - v.budget"
	assert_output 0
	# Following has no reviews: a count of 0 and no average.
	assert_equal "$(rows "SELECT review_count, avg_review_rating IS NULL FROM movie_analysis_view WHERE movie_id = '11660'")" "0|1"
	# The Dark Knight: the mean of its non-null ratings, computed here by jq.
	expected=$(jq '[.results[].author_details.rating | select(. != null)] | add / length' \
		"$PROJECT_ROOT/tests/fixtures/tmdb/movie/155/reviews.json")
	actual=$(rows "SELECT avg_review_rating FROM movie_analysis_view WHERE movie_id = '155'")
	jq -n -e --argjson a "$actual" --argjson e "$expected" '($a - $e) | fabs < 1e-9'
}

# incomplete_answer TIMES JQ: the next TIMES answers for movie 550's first page (or, with a filter
# starting "page2:", for 27205's review page 2) are 200 with a well-formed incomplete body.
incomplete_answer() {
	local times=$1 filter=$2 match='^/3/movie/550$'
	if [[ $filter == page2:* ]]; then
		match='^/3/movie/27205/reviews$' filter=${filter#page2:}
	fi
	fake_fault "$(jq -n -c --arg match "$match" --argjson times "$times" \
		'{id: 550, title: "Fight Club", credits: {cast: [], crew: []},
		  reviews: {page: 1, results: [], total_pages: 1, total_results: 0}}
		 | {match: $match, kind: "body", times: $times, json: ('"$filter"')}')"
}

INCOMPLETE_ANSWERS=(
	'del(.credits, .reviews)'
	'del(.reviews)'
	'.reviews.total_pages = "many"'
	'.id = 155 | .title = "The Dark Knight"'
	'[]'
	'page2:{id: 27205, page: 2, total_pages: 2, total_results: 27}'
	'page2:{id: 27205, page: 7, results: [], total_pages: 2, total_results: 27}'
)

load_three() {
	set -o pipefail
	tmdb-fetch movie 155 550 27205 | tmdb-shape --all | tmdb-load sqlite "$DB"
}

child_counts() {
	rows "SELECT m.movie_id, (SELECT count(*) FROM credits c WHERE c.movie_id = m.movie_id),
		(SELECT count(*) FROM reviews r WHERE r.movie_id = m.movie_id),
		(SELECT count(*) FROM crew w WHERE w.movie_id = m.movie_id),
		(SELECT count(*) FROM genres g WHERE g.movie_id = m.movie_id) FROM movies m ORDER BY 1"
}

@test "an incomplete answer every time fails the pipeline, and every movie keeps its rows" {
	load_three 2>/dev/null
	sqlite3 "$DB" .dump >"$BATS_TEST_TMPDIR/before"
	before=$(child_counts)
	[ "$(rows "SELECT count(*) FROM credits WHERE movie_id = '550'")" -gt 0 ]
	[ "$(rows "SELECT count(*) FROM reviews WHERE movie_id = '27205'")" -eq 27 ]
	for filter in "${INCOMPLETE_ANSWERS[@]}"; do
		fake_reset
		incomplete_answer 10 "$filter"
		run --separate-stderr load_three
		[ "$status" -ne 0 ] || fail "$filter: the pipeline exited 0"
		[[ $stderr == *"tmdb-fetch: movie "*": invalid response: "* ]] || fail "$filter: $stderr"
		[ "$(child_counts)" = "$before" ] || fail "$filter: rows changed: $(child_counts)"
		sqlite3 "$DB" .dump | cmp -s - "$BATS_TEST_TMPDIR/before" || fail "$filter: the database changed"
	done
}

@test "an incomplete answer once is retried: the pipeline loads what a clean run loads" {
	load_three 2>/dev/null
	[ "$(rows 'SELECT count(*) FROM movies')" -eq 3 ]
	sqlite3 "$DB" .dump >"$BATS_TEST_TMPDIR/clean"
	rm "$DB"
	for filter in "${INCOMPLETE_ANSWERS[@]}"; do
		fake_reset
		incomplete_answer 1 "$filter"
		run --separate-stderr load_three
		[ "$status" -eq 0 ] || fail "$filter: exit $status: $stderr"
		sqlite3 "$DB" .dump | cmp -s - "$BATS_TEST_TMPDIR/clean" || fail "$filter: not what a clean run loads"
		rm "$DB"
	done
}
