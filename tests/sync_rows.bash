# shellcheck shell=bash
# Rows of the sync tables for the tmdb-load suites (SQLite, CSV, PostgreSQL alike):
#   load sync_rows

# member PERSON JOB MOVIE: a memberships row (who brought the movie)
member() {
	jq -nc --arg person "$1" --arg job "$2" --arg movie "$3" '{person_id: $person, job: $job, movie_id: $movie}'
}

# etag REQUEST MOVIE ETAG: a sync_state row
etag() {
	jq -nc --arg request "$1" --arg movie "$2" --arg etag "$3" '{request: $request, movie_id: $movie, etag: $etag}'
}

# deleted: marks each row read from standard input deleted, as a Singer tap does.
deleted() {
	jq -c '. + {_sdc_deleted_at: "2026-11-29T12:00:00Z"}'
}
