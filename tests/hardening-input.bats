#!/usr/bin/env bats
# A corpus of bad input for every program: empty, binary, invalid UTF-8, a 100 MB line, deep
# nesting, wrong types, NaN and Infinity, duplicate keys, numbers too big for any type,
# missing ids, Singer out of order, broken CSV, state and configuration files that are not
# what they claim, a recording that is not JSON. Each must end with exactly one line on
# stderr, `PROGRAM: ...`, the contract's status (65 bad data, 78 state or configuration,
# 69 a broken recording; 0 for input that is merely empty), no crash and no sanitizer
# report, and for tmdb-load nothing written: the database and the CSV files as they were.

load hardening/common

SAMPLE="$BATS_TEST_DIRNAME/../pipelines/sample"

# The corpus, one case a line, fields separated by tabs:
#   kind     director, fetch, shape, load (sqlite), csv (merge into a folder), or config
#            (tmdb-fetch reading a file named in ARGS; standard input is empty)
#   status   the exit status
#   args     after the program's name; {IN} is the folder of the files setup_file writes
#   input    standard input, as printf %b reads it ({SCHEMA} is the movies SCHEMA line);
#            @empty: nothing; @big: a 100 MB line; @deep: 100000 '['; for csv, the
#            content of movies.csv (standard input is then a good stream)
#   case     what it is, for the failure message
corpus() {
	cat <<'CORPUS'
director	0	-	@empty	empty input
director	65	-	\x00\x01\xff\xfe\n	binary bytes, a NUL first
director	65	-	\x89PNG\r\n\x1a\n	binary bytes, a PNG header
director	65	-	{"crew":[{"job":"Director","id":1,"title":"\xff\xfe"}]}	invalid UTF-8
director	65	-	@big	a 100 MB line
director	65	-	{"id":525,"crew":[],"crew":[{"job":"Director","id":1}]}\n	duplicate keys
director	65	-	@deep	100000 nested arrays
director	65	-	{"crew":"Nolan"}	crew of the wrong type
director	65	-	{"crew":[{"job":"Director","id":NaN}]}	NaN
director	65	-	{"crew":[{"job":"Director","id":Infinity}]}	Infinity
director	65	-	{"crew":[{"job":"Director","id":1e400}]}	1e400
director	65	-	{"crew":[{"job":"Director","id":1180591620717411303424}]}	2^70
director	65	-	{"crew":[{"job":"Director","id":9223372036854775807}]}	the largest id, times the job count
director	65	-	{"crew":[{"job":"Director","title":"Memento"}]}	a credit without an id
director	65	-	{"crew":[{"job":"Director","id":"77"}]}	an id that is a string
director	65	-	[{"crew":[]}]	an array, not an object
director	65	-	{"crew":["x"]}	a crew entry that is not an object
director	65	-	{"crew":[{"id":1}]}	a crew entry without a job
fetch	0	movie	@empty	empty input
fetch	65	movie	Memento\n	a name, not an id
fetch	65	movie	\x00\x01\n	binary bytes, a NUL first
fetch	65	movie	550\x00junk\n	an id, a NUL and more
fetch	65	movie	{"id":550}\x00junk\n	an object, a NUL and more
fetch	65	movie	1180591620717411303424\n	2^70
fetch	65	movie	{"id":1e400}\n	1e400
fetch	65	movie	{"id":-550}\n	a negative id
fetch	65	movie	{"id":"Memento"}\n	an id that is not a number
fetch	65	movie	{"id":550.5}\n	an id with a fraction
fetch	65	movie	\xff\xfe550\n	invalid UTF-8
fetch	65	movie	@big	a 100 MB line
fetch	65	movie	@deep	100000 nested arrays
fetch	65	person	{"id":NaN}\n	NaN
fetch	65	movie	{"id":5,"id":525}\n	duplicate keys
config	78	--state {IN}/state-not-json movie 550	@empty	a state file that is not JSON
config	78	--state {IN}/state-empty movie 550	@empty	an empty state file
config	78	--state {IN}/state-array movie 550	@empty	a state file that is an array
config	78	--state {IN}/state-version-2 movie 550	@empty	a state file of another version
config	78	--state {IN}/state-etags-list movie 550	@empty	a state file whose etags are a list
config	78	--config {IN}/config-not-json person 525	@empty	a configuration that is not JSON
config	78	--config {IN}/config-array person 525	@empty	a configuration that is an array
config	78	--config {IN}/config-number-key person 525	@empty	an api_key that is a number
config	69	--replay {IN}/replay-not-json person 525	@empty	a recording that is not JSON
config	69	--replay {IN}/replay-truncated movie 155	@empty	a recording cut in half
shape	0	movies	@empty	empty input
shape	65	movies	\x00{"id":550}\n	binary bytes, a NUL first
shape	65	movies	Fight Club\n	not JSON
shape	65	movies	{"title":"Memento"}\n	a movie without an id
shape	65	movies	{"id":"77"}\n	an id that is a string
shape	65	movies	{"id":77,"budget":"9 million"}\n	a budget of the wrong type
shape	65	movies	{"id":77,"budget":1e400}\n	1e400
shape	65	movies	{"id":77,"budget":1180591620717411303424}\n	2^70
shape	65	movies	{"id":77,"budget":1e300}\n	1e300, not an integer column's
shape	65	movies	{"id":77,"vote_average":NaN}\n	NaN
shape	65	movies	{"id":77,"runtime":-Infinity}\n	-Infinity
shape	65	movies	{"id":77,"title":"\xc3\x28"}\n	invalid UTF-8
shape	65	movies	@big	a 100 MB line
shape	65	movies	@deep	100000 nested arrays
shape	65	credits	{"id":77,"credits":{"cast":"Guy Pearce"}}\n	a cast that is not a list
shape	65	movies	{"id":77,"title":"Memento","title":"Following"}\n	duplicate keys
shape	65	movies	{"id":77,"title":"a\\u0000b"}\n	an escaped NUL in a string
shape	65	movies	{"id":77}\x00\n	a NUL after the object
shape	65	movies	{"id":77,"budget":1\x00}\n	a NUL right after a number
shape	65	credits	{"id":77,"credits":{"cast":[529]}}\n	a cast member that is not an object
shape	65	reviews	{"id":77,"reviews":{"results":[{"id":"r1","author_details":{"rating":"ten"}}]}}\n	a rating of the wrong type
shape	65	reviews	{"id":77,"reviews":{"results":["great"]}}\n	a review that is not an object
shape	65	movies	{"id":77,"title":42}\n	a title that is a number
shape	65	credits	{"id":77,"credits":{"cast":[{"id":5,"name":"Guy Pearce"}]}}\n	a cast member without its credit_id
load	0	sqlite {DB}	@empty	empty input
load	65	sqlite {DB}	\x00\x01\n	binary bytes, a NUL first
load	65	sqlite {DB}	{SCHEMA}\nnot json\n	not JSON after a SCHEMA
load	65	sqlite {DB}	{"type":"RECORD","stream":"movies","record":{"movie_id":"1"}}\n	a RECORD before its SCHEMA
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"1","movie_id":"2"}}\n	duplicate keys
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"1","budget":NaN}}\n	NaN
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"1","budget":1e400}}\n	1e400
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"1","budget":1180591620717411303424}}\n	2^70
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"1","budget":"lots"}}\n	a value of the wrong type
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"title":"Memento"}}\n	a row without its key
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":null}}\n	a null key
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"1","title":"\xed\xa0\x80"}}\n	invalid UTF-8 (a surrogate)
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":"1"}\n	a record that is not an object
load	65	sqlite {DB}	{"type":"SCHEMA","stream":"t","schema":{"properties":{"a":{"type":"string"}}}}\n	a SCHEMA without key_properties
load	65	sqlite {DB}	{"type":"BATCH","stream":"movies"}\n	a BATCH message (records in files)
load	65	sqlite {DB}	{"movie_id":"1"}\n	a plain row with no TABLE named
load	65	sqlite {DB} movies	[{"movie_id":"1"}]\n	a row that is an array
load	65	sqlite {DB}	{SCHEMA}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"9","title":"Good"}}\n{"type":"RECORD","stream":"movies","record":{"movie_id":"10","runtime":"long"}}\n	a good row, then a bad one
load	65	sqlite {DB}	@big	a 100 MB line
load	65	sqlite {DB}	@deep	100000 nested arrays
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n"77,Memento,,,,,,,,\r\n	a quote that never ends
csv	65	csv {DIR}	movie_id,title\r\n77,Memento\r\n	a header that is not the table's
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n77,Mem\x00ento,,,,,,,,\r\n	a NUL byte
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n77,Memento\r\n	a record with too few fields
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n77,Memento,,,,,,,,\r\n77,Memento,,,,,,,,\r\n	the same key twice
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n77,Memento,,,,,,,,\r,\r\n	a CR without an LF
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n77,Me"mento,,,,,,,,\r\n	a quote inside an unquoted field
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n,Memento,,,,,,,,\r\n	an empty key
csv	65	csv {DIR}	movie_id,title,overview,release_date,runtime,budget,revenue,vote_average,vote_count,popularity\r\n"77"x,Memento,,,,,,,,\r\n	text after a closing quote
CORPUS
}

setup_file() {
	IN="$BATS_FILE_TMPDIR/in"
	export IN
	mkdir -p "$IN"
	head -c 100000000 /dev/zero | tr '\0' 7 >"$IN/big"
	head -c 100000 /dev/zero | tr '\0' '[' >"$IN/deep"
	printf 'not a state\n' >"$IN/state-not-json"
	: >"$IN/state-empty"
	printf '[]\n' >"$IN/state-array"
	printf '{"version": 2, "etags": {}}\n' >"$IN/state-version-2"
	printf '{"version": 1, "etags": ["W/\\"1\\""]}\n' >"$IN/state-etags-list"
	printf '{"api_key": }\n' >"$IN/config-not-json"
	printf '["%s"]\n' "$FAKE_API_KEY" >"$IN/config-array"
	printf '{"api_key": 12345}\n' >"$IN/config-number-key"
	chmod 600 "$IN"/config-*
	cp -R "$SAMPLE" "$IN/replay-not-json"
	printf '<html>502 Bad Gateway</html>\n' >"$IN/replay-not-json/person/525/movie_credits/language=en-US.json"
	cp -R "$SAMPLE" "$IN/replay-truncated"
	local recording="$IN/replay-truncated/movie/155/append_to_response=credits,reviews&language=en-US.json"
	head -c "$(($(wc -c <"$recording") / 2))" "$recording" >"$IN/half" && mv "$IN/half" "$recording"
	# What tmdb-load starts from: the sample's 155 in a database and in CSV files.
	tmdb-fetch --replay "$SAMPLE" movie 155 | tmdb-shape --all >"$IN/155.stream"
	tmdb-load -q sqlite "$IN/warehouse.db" <"$IN/155.stream"
	sqlite3 "$IN/warehouse.db" .dump >"$IN/warehouse.dump"
	tmdb-shape --schema | head -1 >"$IN/schema"
}

# run_case KIND STATUS ARGS INPUT CASE: runs it in a fresh folder; prints what went wrong.
run_case() {
	local kind=$1 expect=$2 args=$3 input=$4 name=$5
	local dir="$BATS_TEST_TMPDIR/case" program status=0 err
	local -a options=()
	rm -rf "$dir"
	mkdir -p "$dir"
	case $kind in
	director) program=tmdb-director ;;
	fetch | config) program=tmdb-fetch options=(--retries 0) ;;
	shape) program=tmdb-shape ;;
	load | csv) program=tmdb-load ;;
	esac
	args=${args//\{IN\}/$IN}
	args=${args//\{DB\}/$dir/warehouse.db}
	args=${args//\{DIR\}/$dir/csv}
	cp "$IN/warehouse.db" "$dir/"
	if [[ $kind == csv ]]; then
		mkdir "$dir/csv"
		printf '%b' "$input" >"$dir/csv/movies.csv"
		cp -R "$dir/csv" "$dir/csv.before"
		input=@155
	fi
	case $input in
	@empty) : >"$dir/input" ;;
	@big) cp "$IN/big" "$dir/input" ;;
	@deep) cp "$IN/deep" "$dir/input" ;;
	@155) cp "$IN/155.stream" "$dir/input" ;;
	*) input=${input//\{SCHEMA\}/$(<"$IN/schema")}
	   printf '%b' "$input" >"$dir/input" ;;
	esac
	# A dead port: a case that wrongly reaches the network fails at once, and visibly.
	# shellcheck disable=SC2086 # ARGS are words
	TMDB_BASE_URL=http://127.0.0.1:9/3 TMDB_API_KEY=$FAKE_API_KEY \
		"$program" "${options[@]}" $args <"$dir/input" >"$dir/stdout" 2>"$dir/stderr" || status=$?
	err=$(<"$dir/stderr")
	local -a bad=()
	((status == expect)) || bad+=("exit $status, expected $expect")
	if ((expect == 0)); then
		[[ -z $err ]] || bad+=("something on stderr")
	elif [[ $(wc -l <"$dir/stderr") -ne 1 || $err != "$program: "* ]]; then
		bad+=("not one line '$program: ...' on stderr")
	fi
	[[ $err != *Sanitizer* && $err != *"runtime error"* ]] || bad+=("a sanitizer report")
	[[ ! -s $dir/stdout ]] || bad+=("something on stdout")
	[[ $kind != load ]] || cmp -s "$IN/warehouse.dump" <(sqlite3 "$dir/warehouse.db" .dump) ||
		bad+=("the database changed")
	if [[ $kind == csv ]]; then
		# The lock file beside the tables is the load's, not data.
		diff -r -x .lock "$dir/csv.before" "$dir/csv" >/dev/null || bad+=("the CSV files changed")
	fi
	if ((${#bad[@]})); then
		printf '%s %s (%s): %s\n%s\n' "$program" "$args" "$name" "$(IFS=';'; echo "${bad[*]}")" \
			"$(head -c 600 "$dir/stderr" | sed 's/^/    /')"
	fi
}

# run_corpus KIND...: every case of those kinds; fails listing each case that went wrong.
run_corpus() {
	local kind expect args input name problem report='' count=0
	while IFS=$'\t' read -r kind expect args input name; do
		[[ " $* " == *" $kind "* ]] || continue
		problem=$(run_case "$kind" "$expect" "$args" "$input" "$name")
		[[ -z $problem ]] || report+="$problem"$'\n'
		count=$((count + 1))
	done < <(corpus)
	echo "# $count cases" >&3
	[[ -z $report ]] || fail "$report"
}

@test "the corpus has at least 40 cases, each program has its share" {
	[ "$(corpus | wc -l)" -ge 40 ]
	for kind in director fetch config shape load csv; do
		[ "$(corpus | cut -f1 | grep -c "^$kind\$")" -ge 5 ]
	done
}

@test "tmdb-director: bad input exits 65 in one line" {
	run_corpus director
}

@test "tmdb-fetch: bad IDs exit 65, bad state or configuration files 78, a broken recording 69, in one line" {
	run_corpus fetch config
}

@test "tmdb-shape: bad movie objects exit 65 in one line" {
	run_corpus shape
}

@test "tmdb-load sqlite: bad input exits 65 in one line and the database is as it was" {
	run_corpus load
}

@test "tmdb-load csv: a CSV file that is not the table's exits 65 in one line and no file changes" {
	run_corpus csv
	[ -z "$(find "$BATS_TEST_TMPDIR" -name '.movies.csv.*')" ]
}
