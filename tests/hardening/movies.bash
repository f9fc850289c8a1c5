# shellcheck shell=bash
# make_movies COUNT [VERSION]: COUNT movie objects as `tmdb-fetch movie` prints them, made
# from the fixture movie 550 (30 cast, 5 reviews; ids made unique per movie, from 2000000).
# VERSION "before" gives another budget, a 31st cast member and other review texts, so that
# loading the default version over it inserts, updates and deletes.
make_movies() {
	local fixtures="$PROJECT_ROOT/tests/fixtures/tmdb/movie"
	jq -n -c --argjson count "$1" --arg version "${2:-after}" \
		--slurpfile movie "$fixtures/550.json" --slurpfile credits "$fixtures/550/credits.json" \
		--slurpfile reviews "$fixtures/550/reviews.json" '
		($movie[0] + {credits: {cast: $credits[0].cast[:30], crew: []},
			reviews: {page: 1, results: $reviews[0].results[:5], total_pages: 1, total_results: 5}}) as $base
		| range($count) as $i
		| $base
		| .id = 2000000 + $i
		| .title = "\(.title) \($i)"
		| .credits.cast = (if $version == "before" then $credits[0].cast[:31] else .credits.cast end)
		| .credits.cast |= map(.credit_id = "\(.credit_id)-\($i)")
		| .reviews.results |= map(.id = "\(.id)-\($i)")
		| if $version == "before" then
			.budget = 1 | .reviews.results |= map(.content = "Before: \(.content[:40])")
		  else . end'
}
