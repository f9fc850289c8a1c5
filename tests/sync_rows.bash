# shellcheck shell=bash
# Rows of the sync tables for the tmdb-load suites (SQLite, CSV, PostgreSQL alike):
#   load sync_rows

# member PERSON JOB MOVIE: a memberships row (who brought the movie)
member() {
	jq -nc --arg person "$1" --arg job "$2" --arg movie "$3" '{person_id: $person, job: $job, movie_id: $movie}'
}

# etag REQUEST MOVIE ETAG [FETCHED_AT]: a sync_state row, with when it was answered if given
etag() {
	jq -nc --arg request "$1" --arg movie "$2" --arg etag "$3" --arg fetched "${4:-}" \
		'{request: $request, movie_id: $movie, etag: $etag} + if $fetched == "" then {} else {fetched_at: $fetched} end'
}

# without_fetched_at SINK TARGET: sync_state as an older version made it, without the
# column fetched_at (sqlite: a database, csv: a folder; postgres: see the postgres suite).
without_fetched_at() {
	case $1 in
	sqlite) sqlite3 "$2" 'ALTER TABLE sync_state DROP COLUMN fetched_at' ;;
	csv)
		python3 -c 'import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][3] == "fetched_at"
csv.writer(open(sys.argv[1], "w", newline=""), lineterminator="\r\n").writerows(r[:3] for r in rows)' "$2/sync_state.csv"
		;;
	esac
}

# deleted: marks each row read from standard input deleted, as a Singer tap does.
deleted() {
	jq -c '. + {_sdc_deleted_at: "2026-11-29T12:00:00Z"}'
}
