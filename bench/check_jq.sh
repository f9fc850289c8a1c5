#!/usr/bin/env bash
# bench/check_jq.sh [COUNT]: check that bench/jq/TABLE.jq + sqlite-utils (section 3's (b))
# loads the same rows as tmdb-shape + tmdb-load (section 3's (a)), for every table.
#
# Input: make_movies.py's first COUNT movies (default 200) and a few hand-written edge cases
# (nulls, missing fields and lists, ids as integral reals). For each table it compares, in
# SQLite, every column's value and typeof() (so NULL against '', and 35 against 35.0, differ),
# both ways, plus the row counts, the column names in order and their declared affinities; then the JSON rows that
# `tmdb-shape TABLE` and `jq -c -f bench/jq/TABLE.jq` print, line by line. Prints one line per
# table and exits 1 on any difference. Needs bin/ built, jq, sqlite3 and sqlite-utils.
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
BIN=${TMDB_BIN:-$ROOT/bin}
COUNT=${1:-200}
export LC_ALL=C

WORK=$(mktemp -d "${TMPDIR:-/tmp}/tmdb-check-jq.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

MOVIES=$WORK/movies.jsonl
python3 "$BENCH_DIR/make_movies.py" movies "$COUNT" >"$MOVIES"
# Edge cases: null and missing values in every table, integral reals where integers go,
# an empty release_date, no credits, no crew, no genres, an empty list of genres.
cat >>"$MOVIES" <<'EOF'
{"id":1,"title":null,"release_date":"","runtime":120.0,"budget":null,"vote_average":7,"vote_count":3.0,"popularity":1,"genres":[{"id":18.0,"name":null},{"id":35}],"credits":{"cast":[{"credit_id":"c1","id":5,"name":null,"order":0.0}],"crew":[{"credit_id":"k1","id":6,"name":"N","department":null},{"credit_id":"k2","id":7,"job":"Editor"}]},"reviews":{"results":[{"id":"r1","author_details":{"rating":8}},{"id":"r2","author_details":{}}]}}
{"id":2,"title":"No lists"}
{"id":3,"title":"Empty lists","genres":[],"credits":{"cast":[]},"reviews":{"results":[]}}
EOF

TOOLKIT=$WORK/toolkit.db JQDB=$WORK/jq.db
"$BIN/tmdb-shape" --all <"$MOVIES" | "$BIN/tmdb-load" -q sqlite "$TOOLKIT"

# The keys, as section 3 gives them to sqlite-utils.
declare -A PK=([movies]="--pk movie_id" [credits]="--pk credit_id" [reviews]="--pk review_id"
	[crew]="--pk credit_id" [genres]="--pk movie_id --pk genre_id")

status=0
for table in movies credits reviews crew genres; do
	# shellcheck disable=SC2086  # PK holds separate words
	jq -c -f "$BENCH_DIR/jq/$table.jq" <"$MOVIES" | sqlite-utils insert "$JQDB" "$table" - --nl ${PK[$table]}
	columns=$(sqlite3 "$TOOLKIT" "SELECT group_concat(name, ',') FROM pragma_table_info('$table')")
	jq_columns=$(sqlite3 "$JQDB" "SELECT group_concat(name, ',') FROM pragma_table_info('$table')")
	# Declared types, as affinities (sqlite-utils says FLOAT where tmdb-load says REAL).
	declared=$(sqlite3 "$TOOLKIT" "SELECT group_concat(replace(type, 'FLOAT', 'REAL'), ',') FROM pragma_table_info('$table')")
	jq_declared=$(sqlite3 "$JQDB" "SELECT group_concat(replace(type, 'FLOAT', 'REAL'), ',') FROM pragma_table_info('$table')")
	select="" nullable="" typed=""
	for column in ${columns//,/ }; do
		select+="${select:+, }\"$column\", typeof(\"$column\")"
		nullable+="${nullable:+ OR }\"$column\" IS NULL"
		typed+="${typed:+ UNION ALL }SELECT '$column' AS name, \"$column\" AS v FROM \"$table\""
	done
	read -r rows jq_rows only_toolkit only_jq nulls < <(sqlite3 -separator ' ' "$TOOLKIT" "
		ATTACH '$JQDB' AS j;
		SELECT (SELECT count(*) FROM main.\"$table\"), (SELECT count(*) FROM j.\"$table\"),
			(SELECT count(*) FROM (SELECT $select FROM main.\"$table\" EXCEPT SELECT $select FROM j.\"$table\")),
			(SELECT count(*) FROM (SELECT $select FROM j.\"$table\" EXCEPT SELECT $select FROM main.\"$table\")),
			(SELECT count(*) FROM main.\"$table\" WHERE $nullable)")
	# Which storage classes each column holds in tmdb-load's table (the same in jq's: see above).
	types=$(sqlite3 "$TOOLKIT" "SELECT group_concat(t, ' ') FROM (SELECT DISTINCT name || ':' || typeof(v) AS t FROM ($typed) ORDER BY t)")
	if cmp -s <("$BIN/tmdb-shape" "$table" <"$MOVIES") <(jq -c -f "$BENCH_DIR/jq/$table.jq" <"$MOVIES"); then
		json="identical"
	else
		json="differ"
	fi
	verdict=equal
	if [[ $rows != "$jq_rows" || $only_toolkit != 0 || $only_jq != 0 || $columns != "$jq_columns" || $declared != "$jq_declared" ]]; then
		verdict=DIFFERENT
		status=1
	fi
	printf '%s: %s — rows %s (tmdb-load) / %s (jq + sqlite-utils), %s rows with a NULL; rows only in tmdb-load %s, only in jq %s; columns %s%s, declared %s%s; JSON lines %s; value types %s\n' \
		"$table" "$verdict" "$rows" "$jq_rows" "$nulls" "$only_toolkit" "$only_jq" "$columns" \
		"$([[ $columns == "$jq_columns" ]] || echo " (jq: $jq_columns)")" \
		"$declared" "$([[ $declared == "$jq_declared" ]] || echo " (jq: $jq_declared)")" "$json" "$types"
done
exit "$status"
