#!/usr/bin/env bats
# The README's tour runs on the bundled sample: its printed output must be what the
# commands print today, so the README cannot drift from the programs.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	S="$PROJECT_ROOT/pipelines/sample"
	unset TMDB_API_KEY
}

# Every line of the output must stand in the README (with the tour's indentation); no
# output at all is a failure too, as it would be from a program that printed nothing.
in_readme() {
	local seen=0
	while IFS= read -r line; do
		grep -qF -- "    $line" "$PROJECT_ROOT/README.md" || fail "README lacks: $line"
		seen=$((seen + 1))
	done
	[ "$seen" -gt 0 ] || fail "no output to find in the README"
}

@test "the tour's directed films" {
	set -o pipefail
	films=$(tmdb-fetch --replay "$S" person 525 | tmdb-director | jq -r '[.release_date, .title] | @tsv' | sort | head -3)
	[ "$(wc -l <<<"$films")" -eq 3 ]
	in_readme <<<"$films"
}

@test "the tour's load and its summary" {
	set -o pipefail
	tmdb-fetch --replay "$S" person 525 | tmdb-director --sync | tmdb-fetch --replay "$S" movie |
		tmdb-shape --all | tmdb-load sqlite w.db 2>summary
	in_readme <summary
	sqlite3 -header -column w.db "SELECT title, budget, revenue, cast_size, review_count,
	  round(roi, 2) AS roi FROM movie_analysis_view ORDER BY release_date LIMIT 3" | sed 's/ *$//' | in_readme
}

@test "the Singer section's tap stream, its summary, state and rows" {
	set -o pipefail
	tmdb-load sqlite gh.db <"$PROJECT_ROOT/tests/fixtures/singer/tap-github.jsonl" >state.json 2>summary
	in_readme <summary
	in_readme <state.json
	sqlite3 -header -column gh.db 'SELECT id, state, score, reactions, closed_at FROM issues ORDER BY id' |
		sed 's/ *$//' | in_readme
	# The commands as the README shows them.
	grep -qF '    $ tmdb-load sqlite gh.db <tests/fixtures/singer/tap-github.jsonl >state.json' "$PROJECT_ROOT/README.md"
}

@test "the tour's search" {
	set -o pipefail
	people=$(tmdb-fetch --replay "$S" search Christopher Nolan | jq -r '[.id, .name, .known_for_department] | @tsv')
	[ "$(wc -l <<<"$people")" -eq 2 ]
	in_readme <<<"$people"
}

@test "the troubleshooting section quotes the real messages" {
	run --separate-stderr env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN tmdb-fetch person 525
	[ "$status" -eq 78 ]
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	tr -d '\n' <"$PROJECT_ROOT/README.md" | tr -s ' ' | grep -qF "$(tr -s ' ' <<<"$stderr")" ||
		fail "README does not quote: $stderr"
}
