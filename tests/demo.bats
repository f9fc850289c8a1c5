#!/usr/bin/env bats
# make demo: a copy of the project, no network, no key: the sample lands and the charts name the films.

load test_helper

setup_file() {
	export DEMO="$BATS_FILE_TMPDIR/project"
	mkdir -p "$DEMO"
	cp -r "$PROJECT_ROOT"/{cmd,lib,man,pipelines,tests,Makefile,README.md} "$DEMO"/
	unset TMDB_API_KEY TMDB_ACCESS_TOKEN
	# Nothing answers on the discard port: any request would fail the demo.
	TMDB_BASE_URL=http://127.0.0.1:9/3 make -C "$DEMO" --no-print-directory demo >"$BATS_FILE_TMPDIR/out" 2>&1 ||
		echo "make demo failed: $?" >>"$BATS_FILE_TMPDIR/out"
}

@test "make demo succeeds offline and prints the summary and where the charts are" {
	run cat "$BATS_FILE_TMPDIR/out"
	refute_output --partial "make demo failed"
	assert_output --partial "movies: 13 inserted"
	assert_output --partial "files/report/index.html"
}

@test "the warehouse holds the sample's rows" {
	sample="$DEMO/pipelines/sample"
	db="$DEMO/files/warehouse.db"
	# The sample holds Spielberg's films too; the demo syncs Nolan's.
	ids=$(tmdb-director "$sample/person/525/movie_credits/language=en-US.json" | jq -s -c 'map(.id) | unique')
	movies=()
	for id in $(jq '.[]' <<<"$ids"); do
		movies+=("$sample/movie/$id/append_to_response=credits,reviews&language=en-US.json")
	done
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM movies')" -eq "$(jq length <<<"$ids")" ]
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM credits')" -eq "$(jq -s 'map(.credits.cast | length) | add' "${movies[@]}")" ]
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM reviews')" -eq "$(jq -s 'map(.reviews.total_results) | add' "${movies[@]}")" ]
}

@test "the charts exist as SVG and PNG, parse, and name the films" {
	report="$DEMO/files/report"
	for chart in financial reception counters; do
		python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$report/$chart.svg"
		[ "$(head -c 8 "$report/$chart.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
	done
	while read -r title; do
		grep -qF "$title" "$report/financial.svg" || fail "financial.svg does not name $title"
		grep -qF "$title" "$report/reception.svg" || fail "reception.svg does not name $title"
	done < <(sqlite3 "$DEMO/files/warehouse.db" 'SELECT title FROM movies')
	grep -q 'Christopher Nolan Films: Financial Performance Matrix' "$report/financial.svg"
	for chart in financial reception counters; do
		grep -q "$chart.svg" "$report/index.html"
	done
}
