#!/usr/bin/env bats
# tmdb-fetch against the fake TMDB server: the contract's tmdb-fetch section.

load with_fake_tmdb
load bad_json

FIXTURES="$BATS_TEST_DIRNAME/fixtures/tmdb"

@test "--help prints every option to stdout and exits 0" {
	run --separate-stderr tmdb-fetch --help
	assert_success
	for option in --config --base-url --language --retries --timeout --strict --record --replay --quiet --verbose --version; do
		assert_output --partial -- "$option"
	done
	[ -z "$stderr" ]
}

@test "--version prints the program and its version" {
	run tmdb-fetch --version
	assert_success
	assert_output --regexp '^tmdb-fetch [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad command line exits 64 with usage on stderr" {
	run -64 --separate-stderr tmdb-fetch
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr tmdb-fetch frobnicate 1
	[[ $stderr == *"unknown command 'frobnicate'"* ]]
	run -64 --separate-stderr tmdb-fetch movie abc
	[[ $stderr == *"'abc' is not a TMDB ID"* ]]
	run -64 --separate-stderr tmdb-fetch --retries lots movie 1
	[[ $stderr == *"--retries"* ]]
	[ -z "$output" ]
	[ "$(fake_count .)" -eq 0 ]
}

@test "person 525 prints one line equal to the server's movie_credits" {
	run --separate-stderr tmdb-fetch person 525
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	json_eq <(printf '%s\n' "$output") "$FIXTURES/person/525/movie_credits.json"
	[ "$(fake_requests 'select(.path == "/3/person/525/movie_credits") | .query.api_key')" = "\"$FAKE_API_KEY\"" ]
}

@test "options may stand after the command" {
	run --separate-stderr tmdb-fetch person -q 525 --language en-US
	assert_success
	[ "${#lines[@]}" -eq 1 ]
}

@test "movie merges every page of reviews: 65 reviews from 4 pages" {
	run --separate-stderr tmdb-fetch movie 155
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq '.reviews.results | length' <<<"$output")" -eq 65 ]
	diff <(jq -r '.reviews.results[].id' <<<"$output") <(jq -r '.results[].id' "$FIXTURES/movie/155/reviews.json")
	[ "$(fake_count '^/3/movie/155$')" -eq 1 ]
	[ "$(fake_requests 'select(.path == "/3/movie/155/reviews") | .query.page' | tr -d '"' | sort | tr '\n' ' ')" = "2 3 4 " ]
}

@test "movie carries the details, the appended credits and the reviews as the API gave them" {
	run --separate-stderr tmdb-fetch movie 550
	assert_success
	json_eq <(jq 'del(.credits, .reviews)' <<<"$output") "$FIXTURES/movie/550.json"
	json_eq <(jq '.credits' <<<"$output") <(jq 'del(.id)' "$FIXTURES/movie/550/credits.json")
	[ "$(jq '.reviews.results | length' <<<"$output")" -eq "$(jq '.results | length' "$FIXTURES/movie/550/reviews.json")" ]
	[ "$(fake_requests 'select(.path == "/3/movie/550") | .query.append_to_response')" = '"credits,reviews"' ]
}

@test "requests name the toolkit, accept gzip and reuse their connections" {
	run --separate-stderr tmdb-fetch -j 1 movie 155 550
	assert_success
	fake_requests '.headers["user-agent"]' | grep -q '^"tmdb-toolkit/[0-9.]* (tmdb-fetch)'
	[ "$(fake_requests 'select(.headers["accept-encoding"] | test("gzip")) | .path' | wc -l)" -eq 5 ]
	# One job: one kept-alive connection for every request.
	[ "$(fake_requests '.client_port' | sort -u | wc -l)" -eq 1 ]
	fake_reset
	run --separate-stderr tmdb-fetch -j 3 movie 155 550 27205 157336 1124
	assert_success
	[ "$(fake_requests '.client_port' | sort -u | wc -l)" -le 3 ]
}

@test "two 429s with Retry-After: 1 are waited out and the output is complete" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "status", "status": 429, "retry_after": "1", "times": 2}'
	run --separate-stderr tmdb-fetch movie 550
	assert_success
	[ "$(jq '.reviews.results | length' <<<"$output")" -eq 9 ]
	[ "$(fake_count '^/3/movie/550$')" -eq 3 ]
	# Each retry waited at least the second the server asked for.
	fake_requests 'select(.path == "/3/movie/550") | .t' | jq -s -e '.[1] - .[0] >= 1 and .[2] - .[1] >= 1'
	[[ $stderr == *"HTTP 429"*"retry 1 of 3"* ]]
}

@test "five 500s with --retries 3 exit 69 naming the movie, and print nothing for it" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "status", "status": 500, "times": 5}'
	run -69 --separate-stderr tmdb-fetch --retries 3 movie 155 550
	[[ $stderr == *"movie 550"*"HTTP 500"* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq .id <<<"$output")" -eq 155 ]
	[ "$(fake_count '^/3/movie/550$')" -eq 4 ]
}

@test "a failed review page fails the movie: no partial line" {
	fake_fault '{"match": "^/3/movie/155/reviews$", "kind": "status", "status": 503, "times": 10}'
	run -69 --separate-stderr tmdb-fetch --retries 1 movie 155
	[ -z "$output" ]
	[[ $stderr =~ "movie 155: reviews page "[234]": HTTP 503" ]]
}

@test "408, 502, 503 and 504 are retried too" {
	for status in 408 502 503 504; do
		fake_reset
		fake_fault "{\"match\": \"^/3/person/525/movie_credits$\", \"kind\": \"status\", \"status\": $status}"
		run --separate-stderr tmdb-fetch person 525
		assert_success
		[ "$(fake_count '^/3/person/525/movie_credits$')" -eq 2 ]
	done
}

@test "other errors are not retried: 400 exits 69 at once" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "status", "status": 400, "times": 5}'
	run -69 --separate-stderr tmdb-fetch movie 550
	[ "$(fake_count '^/3/movie/550$')" -eq 1 ]
}

@test "reset, truncated body, invalid JSON and a slow response are retried, then succeed" {
	expected=$(tmdb-fetch movie 550)
	for fault in '"kind": "reset"' '"kind": "truncate"' '"kind": "invalid_json"' '"kind": "slow", "delay": 3'; do
		fake_reset
		fake_fault "{\"match\": \"^/3/movie/550$\", $fault}"
		run --separate-stderr tmdb-fetch --timeout 1 movie 550
		assert_success
		[ "$output" = "$expected" ]
		[ "$(fake_count '^/3/movie/550$')" -eq 2 ]
		[[ $stderr == *"retry 1 of 3"* ]]
	done
}

@test "persistent invalid JSON exits 69 without crashing" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "invalid_json", "times": 10}'
	run -69 --separate-stderr tmdb-fetch movie 550
	[[ $stderr == *"movie 550: response is not valid JSON"* ]]
	[ -z "$output" ]
}

@test "a 404 warns naming the ID and the run goes on; --strict makes it 65" {
	run --separate-stderr tmdb-fetch movie 550 999999999 155
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"movie 999999999: not found"*"could not be found"* ]]
	run -65 --separate-stderr tmdb-fetch --strict movie 550 999999999 155
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr tmdb-fetch -q movie 999999999
	assert_success
	[ -z "$stderr" ]
}

@test "no credentials exit 78 naming all three ways to give them" {
	unset TMDB_API_KEY
	run -78 --separate-stderr tmdb-fetch person 525
	[[ $stderr == *TMDB_API_KEY* && $stderr == *TMDB_ACCESS_TOKEN* && $stderr == *--config* ]]
	[ "$(fake_count .)" -eq 0 ]
}

@test "a refused key exits 77 quoting TMDB's status_message" {
	TMDB_API_KEY=wrong-key run -77 --separate-stderr tmdb-fetch person 525
	[[ $stderr == *"Invalid API key: You must be granted a valid key."* ]]
	[ "$(fake_count .)" -eq 1 ]
	[ -z "$output" ]
}

@test "control bytes a server or a command line sends reach standard error escaped, on one line" {
	fake_fault '{"match":"^/3/person/525/movie_credits$","kind":"status","status":401,"times":1,"body":"{\"status_code\":7,\"status_message\":\"Bad\\u001b[2J key\\nnext\",\"success\":false}"}'
	run -77 --separate-stderr tmdb-fetch person 525
	[[ $stderr == *'Bad\x1b[2J key\nnext'* ]]
	[ "$(printf '%s' "$stderr" | tr -d '\n' | tr -d '[:print:]' | wc -c)" -eq 0 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	run -64 --separate-stderr tmdb-fetch $'mo\033[31mvie'
	[[ $stderr == *"unknown command 'mo\x1b[31mvie'"* ]]
}

@test "a v4 token is sent as a Bearer header and no api_key goes in the URL" {
	unset TMDB_API_KEY
	TMDB_ACCESS_TOKEN=$FAKE_TOKEN run --separate-stderr tmdb-fetch person 525
	assert_success
	[ "$(fake_requests '.headers.authorization')" = "\"Bearer $FAKE_TOKEN\"" ]
	[ "$(fake_requests '.query.api_key')" = null ]
}

@test "--config reads the seed's configuration.json and wins over the environment" {
	printf '{"api_key": "%s"}\n' "$FAKE_API_KEY" >"$BATS_TEST_TMPDIR/configuration.json"
	TMDB_API_KEY=wrong-key run --separate-stderr tmdb-fetch --config "$BATS_TEST_TMPDIR/configuration.json" person 525
	assert_success
	[ "$(jq .id <<<"$output")" -eq 525 ]
	printf '{"access_token": "%s"}\n' "$FAKE_TOKEN" >"$BATS_TEST_TMPDIR/token.json"
	run --separate-stderr tmdb-fetch -c "$BATS_TEST_TMPDIR/token.json" person 525
	assert_success
	[ "$(jq .id <<<"$output")" -eq 525 ]
}

@test "a malformed or incomplete configuration exits 78 without showing its content" {
	printf '{"api_key": %s}\n' "$FAKE_API_KEY" >"$BATS_TEST_TMPDIR/bad.json"
	run -78 --separate-stderr tmdb-fetch --config "$BATS_TEST_TMPDIR/bad.json" person 525
	[[ $stderr == *"bad.json:1:"*"not valid JSON"* ]]
	[[ $stderr != *"$FAKE_API_KEY"* ]]
	printf '{"key": "x"}\n' >"$BATS_TEST_TMPDIR/empty.json"
	run -78 --separate-stderr tmdb-fetch --config "$BATS_TEST_TMPDIR/empty.json" person 525
	[[ $stderr == *'no "api_key" or "access_token"'* ]]
	run -78 --separate-stderr tmdb-fetch --config "$BATS_TEST_TMPDIR/missing.json" person 525
	[[ $stderr == *missing.json* ]]
	[ "$(fake_count .)" -eq 0 ]
}

@test "--config or --state naming a FIFO or a folder is refused in one line, never waited on" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	mkdir "$BATS_TEST_TMPDIR/folder"
	local option path
	for option in --config --state; do
		for path in "$BATS_TEST_TMPDIR/fifo" "$BATS_TEST_TMPDIR/folder"; do
			# timeout: a program that opens the FIFO to read waits for a writer forever.
			run -78 --separate-stderr timeout 10 tmdb-fetch "$option" "$path" movie 155
			[ "${#stderr_lines[@]}" -eq 1 ]
			[[ $stderr == "tmdb-fetch: $path: not a regular file"* ]]
			[ -z "$output" ]
		done
	done
	[ "$(fake_count .)" -eq 0 ]
}

@test "with -vvv every request is logged masked and the key appears nowhere" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "status", "status": 500}'
	run --separate-stderr tmdb-fetch -vvv --record "$BATS_TEST_TMPDIR/rec" movie 550 155 999999999
	assert_success
	[[ $stderr == *"GET http://127.0.0.1:$FAKE_PORT/3/movie/550?append_to_response=credits%2Creviews&language=en-US&api_key=***: HTTP 500"* ]]
	[[ $stderr == *"> GET /3/movie/155"*"api_key=***"* ]]
	[[ $stderr != *"$FAKE_API_KEY"* ]]
	run ! grep -rq -- "$FAKE_API_KEY" "$BATS_TEST_TMPDIR/rec"
	run ! grep -rlq 'api_key' "$BATS_TEST_TMPDIR/rec"
	unset TMDB_API_KEY
	TMDB_ACCESS_TOKEN=$FAKE_TOKEN run --separate-stderr tmdb-fetch -vvv movie 550
	assert_success
	[[ $stderr == *"Authorization: Bearer ***"* ]]
	[[ $stderr != *"$FAKE_TOKEN"* ]]
}

@test "the key is not in the process's argument list while it runs" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "slow", "delay": 2}'
	tmdb-fetch movie 550 >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		[ "$(fake_count '^/3/movie/550$')" -ge 1 ] && break
		sleep 0.05
	done
	tr '\0' ' ' <"/proc/$pid/cmdline" >"$BATS_TEST_TMPDIR/cmdline"
	wait "$pid"
	grep -q 'tmdb-fetch movie 550' "$BATS_TEST_TMPDIR/cmdline"
	run ! grep -q -- "$FAKE_API_KEY" "$BATS_TEST_TMPDIR/cmdline"
}

@test "IDs 3, 1, 2 on stdin come out in that order; a repeated ID is fetched and printed once" {
	for id in 1 2 3; do
		fake_resource "{\"path\": \"movie/$id\", \"json\": {\"id\": $id, \"title\": \"Movie $id\", \"genres\": []}}"
		fake_resource "{\"path\": \"movie/$id/credits\", \"json\": {\"id\": $id, \"cast\": [], \"crew\": []}}"
	done
	run --separate-stderr tmdb-fetch movie <<<$'3\n1\n3\n2\n1'
	assert_success
	[ "$(jq -c .id <<<"$output" | tr '\n' ' ')" = "3 1 2 " ]
	for id in 1 2 3; do
		[ "$(fake_count "^/3/movie/$id\$")" -eq 1 ]
	done
}

@test "stdin takes JSON objects with an id, as tmdb-director writes them" {
	run --separate-stderr tmdb-fetch movie <<<$'{"id":550,"job":"Director"}\n\n{"id":"155"}'
	assert_success
	[ "$(jq -c .id <<<"$output" | tr '\n' ' ')" = "550 155 " ]
}

@test "a bad input line exits 65 naming its line number" {
	run -65 --separate-stderr tmdb-fetch movie <<<$'550\n{"title":"no id"}\n155'
	[[ $stderr == *"-:2:"* ]]
	[ "${#lines[@]}" -eq 1 ]
	run -65 --separate-stderr tmdb-fetch person - <<<$'525\nnolan'
	[[ $stderr == *"-:2:"* ]]
}

@test "a closed downstream pipe ends the program quietly" {
	run --separate-stderr bash -c 'set -o pipefail; tmdb-fetch movie 155 550 27205 157336 | head -1 | jq -r .title'
	assert_success
	[ -z "$stderr" ]
	assert_output "The Dark Knight"
}

@test "search prints one line per matching person" {
	run --separate-stderr tmdb-fetch search Christopher Nolan
	assert_success
	jq -e -s 'map(.id) | index(525) != null and index(3428591) != null' <<<"$output"
	jq -e -s 'all(.name | test("nolan"; "i"))' <<<"$output"
	[ "$(fake_requests '.query.query')" = '"Christopher Nolan"' ]
}

@test "get prints any GET as the API answered it; api_key is refused on the command line" {
	run --separate-stderr tmdb-fetch get /movie/550/credits
	assert_success
	json_eq <(printf '%s\n' "$output") "$FIXTURES/movie/550/credits.json"
	run --separate-stderr tmdb-fetch get movie/155/reviews page=4
	assert_success
	[ "$(jq '.results | length' <<<"$output")" -eq 5 ]
	run -64 --separate-stderr tmdb-fetch get /movie/550 "api_key=$FAKE_API_KEY"
	[[ $stderr != *"$FAKE_API_KEY"* ]]
}

@test "get on a 404 says so in one line naming the path, and fails (65) as curl -f does" {
	run -65 --separate-stderr tmdb-fetch get /bogus
	[ -z "$output" ]
	[ "$stderr" = "tmdb-fetch: get /bogus: HTTP 404: The resource you requested could not be found." ]
	# -q quiets warnings, not the reason a run failed.
	run -65 --separate-stderr tmdb-fetch -q get movie/999999999
	[[ $stderr == "tmdb-fetch: get /movie/999999999: HTTP 404"* ]]
}

@test "reals keep their shortest form, as the API wrote them" {
	run --separate-stderr tmdb-fetch get /movie/550
	assert_success
	[[ $output == *'"vote_average":8.438,'* ]]
	[[ $output == *'"popularity":24.1745,'* ]]
}

@test "a recording that cannot be written exits 73" {
	touch "$BATS_TEST_TMPDIR/file"
	run -73 --separate-stderr tmdb-fetch --record "$BATS_TEST_TMPDIR/file/rec" movie 550
	[[ $stderr == *"cannot record"* ]]
	[ -z "$output" ]
}

@test "the backoff doubles with each retry (jitter keeps at least half of it)" {
	fake_fault '{"match": "^/3/person/525/movie_credits$", "kind": "status", "status": 503, "times": 3}'
	TMDB_RETRY_BASE_MS=200 run --separate-stderr tmdb-fetch person 525
	assert_success
	# Sleeps never end early, so these lower bounds hold on any machine.
	fake_requests '.t' | jq -s -e '.[1] - .[0] >= 0.1 and .[2] - .[1] >= 0.2 and .[3] - .[2] >= 0.4'
}

@test "search reads one name per line from standard input when given none" {
	run --separate-stderr tmdb-fetch search <<<$'Steven Spielberg\n\nChristopher Nolan'
	assert_success
	[ "$(jq -s -c 'map(.id) | .[0]' <<<"$output")" -eq 488 ]
	jq -e -s 'map(.id) | index(525) != null' <<<"$output"
}

@test "--state-out records ETags; with --state an unchanged source prints nothing and sends no bodies" {
	run --separate-stderr tmdb-fetch --state-out "$BATS_TEST_TMPDIR/s1" movie 155 550
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	jq -e '.version == 1 and (.etags | keys | length) == 5' "$BATS_TEST_TMPDIR/s1"
	run ! grep -q -- "$FAKE_API_KEY" "$BATS_TEST_TMPDIR/s1"
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state "$BATS_TEST_TMPDIR/s1" --state-out "$BATS_TEST_TMPDIR/s2" movie 155 550
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"0 fetched, 2 unchanged, 0 not found; 5 requests"* ]]
	[ "$(fake_requests 'select(.status != 304)' | wc -l)" -eq 0 ]
	[ "$(fake_requests 'select(.headers["if-none-match"] != null)' | wc -l)" -eq 5 ]
	# The same ETags, each answered again (a 304 is an answer): no earlier than before.
	assert_equal "$(jq -c .etags "$BATS_TEST_TMPDIR/s2")" "$(jq -c .etags "$BATS_TEST_TMPDIR/s1")"
	jq -e --slurpfile s1 "$BATS_TEST_TMPDIR/s1" \
		'(.fetched | keys) == (.etags | keys) and all(.fetched | to_entries[]; .value >= $s1[0].fetched[.key])' \
		"$BATS_TEST_TMPDIR/s2"
}

@test "with --state a changed movie, or a change on a later review page, is fetched whole again" {
	tmdb-fetch --state-out "$BATS_TEST_TMPDIR/s1" movie 155 550 >/dev/null
	fake_resource "$(jq -c '{path: "movie/550", json: (.revenue = 100853754)}' "$FIXTURES/movie/550.json")"
	fake_resource "$(jq -c '{path: "movie/155/reviews", json: (.results[45].content = "Edited.")}' "$FIXTURES/movie/155/reviews.json")"
	run --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/s1" --state-out "$BATS_TEST_TMPDIR/s2" movie 155 550
	assert_success
	[ "$(jq -c .id <<<"$output" | paste -sd,)" = "155,550" ]
	[ "$(jq -s '.[1].revenue' <<<"$output")" -eq 100853754 ]
	[ "$(jq -r -s '.[0].reviews.results[45].content' <<<"$output")" = "Edited." ]
	[ "$(jq -s '.[0].reviews.results | length' <<<"$output")" -eq 65 ]
	run ! cmp -s "$BATS_TEST_TMPDIR/s1" "$BATS_TEST_TMPDIR/s2"
}

@test "a failed run leaves --state-out unwritten; a missing --state is a first run" {
	fake_fault '{"match": "^/3/movie/550$", "kind": "status", "status": 500, "times": 10}'
	run -69 --separate-stderr tmdb-fetch --retries 0 --state "$BATS_TEST_TMPDIR/none" --state-out "$BATS_TEST_TMPDIR/out" movie 155 550
	[ ! -e "$BATS_TEST_TMPDIR/out" ]
	[ "$(jq .id <<<"$output")" -eq 155 ]
	printf 'not json' >"$BATS_TEST_TMPDIR/bad"
	run -78 --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/bad" movie 155
	[[ $stderr == *"bad"*"state file"* ]]
}

@test "a progress line is drawn on a terminal, never into a pipe or a file" {
	# script(1) gives tmdb-fetch a terminal for stderr; stdout goes to a file.
	run script -qec "tmdb-fetch movie 155 550 27205 >'$BATS_TEST_TMPDIR/out'" /dev/null
	assert_success
	assert_output --regexp "tmdb-fetch: movies [0-3]/3, [0-9]+ requests, 0 retries"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 3 ]
	run --separate-stderr tmdb-fetch movie 155 550 27205
	[[ $stderr != *"movies "* ]]
	run --separate-stderr tmdb-fetch --progress movie 155 550
	[[ $stderr =~ "movies "[0-2]"/2" ]]
	run script -qec "tmdb-fetch --no-progress movie 155 >/dev/null" /dev/null
	refute_output --partial "movies "
}

# answer_with MATCH TIMES JQ: the next TIMES requests matching MATCH get 200 and STUB
# (a movie 155 with every list, empty) as changed by the jq filter.
STUB='{"id":155,"title":"The Dark Knight","genres":[],"credits":{"cast":[],"crew":[]},"reviews":{"page":1,"results":[],"total_pages":1,"total_results":0}}'
answer_with() {
	fake_fault "$(jq -c --arg match "$1" --argjson times "$2" \
		'{match: $match, kind: "body", times: $times, json: ('"$3"')}' <<<"$STUB")"
}

# An answer to /movie/155?append_to_response=credits,reviews that lacks what was asked
# (a part missing or null is an error, as in tmdb-shape, never an empty list), and what
# the error says: jq filter on STUB, tab, the message's end.
incomplete_movie_answers() {
	cat <<'CASES'
del(.credits, .reviews)	no "credits" object
del(.reviews)	no "reviews" object
.credits = null	no "credits" object
del(.credits.crew)	no "credits.crew" array
.credits.cast = {}	no "credits.cast" array
.reviews = null	no "reviews" object
del(.reviews.results)	no "reviews.results" array
.reviews.results = null	no "reviews.results" array
del(.genres)	no "genres" array
.genres = null	no "genres" array
.reviews.total_pages = "many"	"reviews.total_pages" is not a count
.reviews.total_pages = -1	"reviews.total_pages" is not a count
del(.reviews.page)	"reviews.page" is not 1
.reviews.page = 2	"reviews.page" is not 1
.id = 550 | .title = "Fight Club"	"id" is not 155
del(.id)	"id" is not 155
[]	not an object
CASES
}

@test "an incomplete movie answer once is retried like invalid JSON, and the right movie is printed" {
	expected=$(tmdb-fetch movie 155)
	while IFS=$'\t' read -r filter message; do
		fake_reset
		answer_with '^/3/movie/155$' 1 "$filter"
		run --separate-stderr tmdb-fetch movie 155
		[ "$status" -eq 0 ] || fail "$filter: exit $status: $stderr"
		[ "$output" = "$expected" ] || fail "$filter: printed another movie: ${output:0:200}"
		[ "$(fake_count '^/3/movie/155$')" -eq 2 ]
		[[ $stderr == *"invalid response: $message; retry 1 of 3"* ]] || fail "$filter: $stderr"
	done < <(incomplete_movie_answers)
}

@test "an incomplete movie answer every time exits 69 naming the movie and what is missing" {
	while IFS=$'\t' read -r filter message; do
		fake_reset
		answer_with '^/3/movie/155$' 10 "$filter"
		run --separate-stderr tmdb-fetch movie 550 155
		[ "$status" -eq 69 ] || fail "$filter: exit $status"
		[ "$(jq -c .id <<<"$output")" = 550 ] || fail "$filter: printed ${output:0:200}"
		[ "$(printf '%s\n' "$stderr" | tail -1)" = "tmdb-fetch: movie 155: invalid response: $message (after 3 retries)" ] ||
			fail "$filter: $stderr"
		[ "$(fake_count '^/3/movie/155$')" -eq 4 ]
	done < <(incomplete_movie_answers)
}

# 27205 has 27 reviews: one further page, page 2.
incomplete_review_pages() {
	cat <<'CASES'
{id: 27205, page: 2, total_pages: 2, total_results: 27}	no "results" array
{id: 27205, page: 7, results: [], total_pages: 2, total_results: 27}	"page" is not 2
{id: 27205, page: "2", results: [], total_pages: 2, total_results: 27}	"page" is not 2
[]	not an object
CASES
}

@test "an incomplete review page once is retried, and every review is printed" {
	expected=$(tmdb-fetch movie 27205)
	[ "$(jq '.reviews.results | length' <<<"$expected")" -eq 27 ]
	while IFS=$'\t' read -r filter message; do
		fake_reset
		answer_with '^/3/movie/27205/reviews$' 1 "$filter"
		run --separate-stderr tmdb-fetch movie 27205
		[ "$status" -eq 0 ] || fail "$filter: exit $status: $stderr"
		[ "$output" = "$expected" ] || fail "$filter: printed $(jq '.reviews.results | length' <<<"$output") reviews"
		[ "$(fake_count '^/3/movie/27205/reviews$')" -eq 2 ]
		[[ $stderr == *"invalid response: $message; retry 1 of 3"* ]] || fail "$filter: $stderr"
	done < <(incomplete_review_pages)
}

@test "an incomplete review page every time exits 69 naming the movie, the page and what is missing" {
	while IFS=$'\t' read -r filter message; do
		fake_reset
		answer_with '^/3/movie/27205/reviews$' 10 "$filter"
		run --separate-stderr tmdb-fetch movie 27205 550
		[ "$status" -eq 69 ] || fail "$filter: exit $status"
		[ -z "$output" ] || fail "$filter: printed ${output:0:200}"
		[ "$(printf '%s\n' "$stderr" | tail -1)" = "tmdb-fetch: movie 27205: reviews page 2: invalid response: $message (after 3 retries)" ] ||
			fail "$filter: $stderr"
	done < <(incomplete_review_pages)
}

@test "a person answer without its crew or cast, or for another person, is retried, then exits 69" {
	expected=$(tmdb-fetch person 525)
	for case in 'del(.crew)	no "crew" array' 'del(.cast)	no "cast" array' \
		'.id = 488	"id" is not 525' '{}	"id" is not 525'; do
		filter=${case%%$'\t'*} message=${case#*$'\t'}
		bad=$(jq -c "$filter" "$FIXTURES/person/525/movie_credits.json")
		fake_reset
		fake_fault "$(jq -n -c --argjson bad "$bad" '{match: "^/3/person/525/movie_credits$", kind: "body", json: $bad}')"
		run --separate-stderr tmdb-fetch person 525
		[ "$status" -eq 0 ] || fail "$filter: exit $status: $stderr"
		[ "$output" = "$expected" ] || fail "$filter: printed another person: ${output:0:200}"
		fake_fault "$(jq -n -c --argjson bad "$bad" '{match: "^/3/person/525/movie_credits$", kind: "body", times: 10, json: $bad}')"
		run --separate-stderr tmdb-fetch person 525
		[ "$status" -eq 69 ] || fail "$filter: exit $status"
		[ -z "$output" ]
		[ "$(printf '%s\n' "$stderr" | tail -1)" = "tmdb-fetch: person 525: invalid response: $message (after 3 retries)" ] ||
			fail "$filter: $stderr"
	done
}

# A declaration as tmdb-director --sync writes it.
declare_set() {
	jq -nc --arg p "$1" --arg j "$2" '{_sync: {person_id: $p, job: $j, movies: $ARGS.positional | map(tonumber)}}' --args "${@:3}"
}

@test "after a declaration, each movie carries who holds it and its ETags; unchanged and 404 movies leave a mark" {
	run --separate-stderr tmdb-fetch movie < <(declare_set 525 Director 155 550; printf '155\n550\n')
	assert_success
	jq -e -s 'length == 2 and all(._sync.members == [{"person_id": "525", "job": "Director"}])' <<<"$output"
	# 155's first page and its further review pages, each with the key a state uses.
	jq -e -s '.[0]._sync.etags | length == 4 and all(.request | startswith("/movie/155"))' <<<"$output"
	tmdb-fetch --state-out "$BATS_TEST_TMPDIR/s1" movie 155 550 >/dev/null
	fake_resource '{"path": "movie/550", "delete": true}'
	run --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/s1" movie < <(declare_set 525 Director 155 550; printf '155\n550\n')
	assert_success
	[ "${lines[0]}" = '{"id":155,"_sync":{"members":[{"person_id":"525","job":"Director"}],"unchanged":true}}' ]
	[ "${lines[1]}" = '{"id":550,"_sync":{"members":[{"person_id":"525","job":"Director"}],"deleted":true}}' ]
	# Without a declaration the output is as before: nothing for unchanged or missing movies.
	run --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/s1" movie 155 550
	[ -z "$output" ]
}

@test "the memberships a state names and a declaration no longer lists are printed as deleted, once the input is whole" {
	jq -n '{version: 1, etags: {}, members: [
		{person_id: "525", job: "Director", movie_id: "155"},
		{person_id: "525", job: "Director", movie_id: "77"},
		{person_id: "525", job: "Writer", movie_id: "77"},
		{person_id: "488", job: "Director", movie_id: "578"}]}' >"$BATS_TEST_TMPDIR/s"
	run --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/s" movie < <(declare_set 525 Director 155; echo 155)
	assert_success
	[ "${#lines[@]}" -eq 2 ]
	# Only the declared person and job: 525 as Writer and 488 are not this sync's business.
	[ "${lines[1]}" = '{"id":77,"_sync":{"members":[{"person_id":"525","job":"Director"}],"deleted":true}}' ]
	# An input cut short before every declared movie came: 65, and no deletion.
	run -65 --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/s" movie < <(declare_set 525 Director 155 550; echo 155)
	[[ $stderr == *"input ended before movie 550, which person 525 holds as Director"* ]]
	run ! grep -q deleted <<<"$output"
}

@test "a movie's ETags go out in page order, whatever order the review pages came in" {
	# Page 2 answers last: pages 3 and 4 come first.
	fake_fault '{"match": "^/3/movie/155/reviews$", "kind": "slow", "delay": 1, "times": 1}'
	run --separate-stderr tmdb-fetch movie < <(declare_set 525 Director 155; echo 155)
	assert_success
	[ "$(jq -r '._sync.etags | map(.request | capture("page=(?<p>[0-9]+)").p // "1") | join(" ")' <<<"$output")" = "1 2 3 4" ] ||
		fail "$(jq -c '._sync.etags | map(.request)' <<<"$output")"
}

# asked_movies: the movies the fake TMDB was asked about, by id, sorted, on one line.
asked_movies() {
	fake_requests '.path' | jq -r 'capture("^/3/movie/(?<id>[0-9]+)").id // empty' | sort -un | paste -sd' ' -
}

# utc_now: the time now as --fresh-since takes it.
utc_now() {
	date -u +%Y-%m-%dT%H:%M:%SZ
}

@test "--state-out notes when each request was answered, beside its ETag" {
	before=$(utc_now)
	tmdb-fetch --state-out "$BATS_TEST_TMPDIR/s1" movie 155 550 >/dev/null
	after=$(utc_now)
	jq -e --arg before "$before" --arg after "$after" '(.fetched | keys) == (.etags | keys) and
		all(.fetched[]; test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$") and . >= $before and . <= $after)' \
		"$BATS_TEST_TMPDIR/s1"
	# In a sync each ETag a movie carries has its time too.
	run --separate-stderr tmdb-fetch movie < <(declare_set 525 Director 155; echo 155)
	assert_success
	jq -e --arg before "$before" '._sync.etags | length == 4 and all(.fetched_at >= $before)' <<<"$output"
}

@test "--fresh-since outside a sync: a fresh movie is not asked and prints nothing; --state-out keeps what the state had of it" {
	tmdb-fetch --state-out "$BATS_TEST_TMPDIR/s1" movie 155 550 >/dev/null
	# 550 was answered long ago, 155 (and its review pages) since the time given.
	jq '.fetched |= with_entries(if (.key | startswith("/movie/550")) then .value = "2001-01-01T00:00:00Z" else . end)' \
		"$BATS_TEST_TMPDIR/s1" >"$BATS_TEST_TMPDIR/s2"
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state "$BATS_TEST_TMPDIR/s2" --state-out "$BATS_TEST_TMPDIR/s3" \
		--fresh-since 2020-01-01T00:00:00Z movie 155 550 27205
	assert_success
	# 550 unchanged (a 304: nothing printed), 27205 new, 155 not asked at all.
	assert_equal "$(jq -c .id <<<"$output" | paste -sd' ' -)" "27205"
	assert_equal "$(asked_movies)" "550 27205"
	[[ $stderr == *"1 fetched, 2 unchanged (1 fresh, not asked), 0 not found; 3 requests"* ]] || fail "$stderr"
	# The next state still has 155's four requests, as they were.
	jq -e --slurpfile s2 "$BATS_TEST_TMPDIR/s2" '[.etags, .fetched | with_entries(select(.key | startswith("/movie/155")))] ==
		[$s2[0].etags, $s2[0].fetched | with_entries(select(.key | startswith("/movie/155")))]' "$BATS_TEST_TMPDIR/s3"
	jq -e '[.etags | keys[] | select(startswith("/movie/155"))] | length == 4' "$BATS_TEST_TMPDIR/s3"
	jq -e '.fetched["/movie/550?append_to_response=credits,reviews&language=en-US"] > "2020"' "$BATS_TEST_TMPDIR/s3"
	# @SECONDS: everything the state has a time for is fresh since the epoch.
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state "$BATS_TEST_TMPDIR/s3" --fresh-since @0 movie 155 550 27205
	assert_success
	[ -z "$output" ]
	[[ $stderr == *"0 fetched, 3 unchanged (3 fresh, not asked), 0 not found; 0 requests"* ]] || fail "$stderr"
	# A state of an older version has no times: nothing in it is fresh.
	jq 'del(.fetched)' "$BATS_TEST_TMPDIR/s3" >"$BATS_TEST_TMPDIR/old"
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state "$BATS_TEST_TMPDIR/old" --fresh-since @0 movie 155 550
	assert_success
	[[ $stderr == *"0 fetched, 2 unchanged (0 fresh, not asked)"* ]] || fail "$stderr"
	assert_equal "$(asked_movies)" "155 550"
}

@test "--fresh-since resumes a sync: only the movies not committed are asked, fresh ones keep their memberships, the warehouse ends as a clean one" {
	set -o pipefail
	cd "$BATS_TEST_TMPDIR" || return
	t0=$(utc_now)
	tmdb-fetch person 525 | tmdb-director --sync >ids
	all=$(jq -r '._sync.movies // empty | sort | map(tostring) | join(" ")' ids)
	[ "$(wc -w <<<"$all")" -eq 13 ]
	# A run cut short after 6 of the 13 movies, like a killed one whose load committed them.
	run -65 --separate-stderr tmdb-fetch --state none movie < <(head -7 ids)
	printf '%s\n' "$output" | tmdb-shape --all | tmdb-load -q sqlite resumed.db
	committed=$(sqlite3 resumed.db 'SELECT movie_id FROM movies ORDER BY movie_id + 0' | paste -sd' ' -)
	[ "$(wc -w <<<"$committed")" -eq 6 ]
	tmdb-load --print-state sqlite resumed.db >state.json
	jq -e --arg t0 "$t0" '(.fetched | keys) == (.etags | keys) and all(.fetched[]; . >= $t0)' state.json
	fake_reset
	run --separate-stderr tmdb-fetch --summary --state state.json --fresh-since "$t0" movie <ids
	assert_success
	[[ $stderr == *"7 fetched, 6 unchanged (6 fresh, not asked), 0 not found"* ]] || fail "$stderr"
	assert_equal "$(asked_movies)" "$(comm -23 <(tr ' ' '\n' <<<"$all" | sort) <(tr ' ' '\n' <<<"$committed" | sort) | sort -n | paste -sd' ' -)"
	# The committed ones are marked unchanged with their member, and nothing departs.
	assert_equal "$(jq -r 'select(._sync.unchanged) | select(._sync.members == [{"person_id": "525", "job": "Director"}]) | .id' <<<"$output" | sort -n | paste -sd' ' -)" "$committed"
	printf '%s\n' "$output" >resumed.jsonl
	run ! grep -q '"deleted"' resumed.jsonl
	tmdb-shape --all resumed.jsonl | tmdb-load -q sqlite resumed.db
	tmdb-fetch movie <ids | tmdb-shape --all | tmdb-load -q sqlite clean.db
	for table in movies credits reviews crew genres memberships sync_state; do
		query="SELECT $(dump_columns "$table") FROM \"$table\" ORDER BY 1, 2"
		diff <(sqlite3 clean.db "$query") <(sqlite3 resumed.db "$query") || fail "$table differs from a clean sync's"
	done
	[ "$(sqlite3 resumed.db 'SELECT count(*) FROM memberships')" -eq 13 ]
	[ "$(sqlite3 resumed.db "SELECT count(*) FROM sync_state WHERE fetched_at IS NULL OR fetched_at < '$t0'")" -eq 0 ]
}

@test "--etags: movies of plain ID lines carry their ETags and times, a load keeps them, and a rerun --fresh-since asks for none of them" {
	set -o pipefail
	cd "$BATS_TEST_TMPDIR" || return
	t0=$(utc_now)
	printf '155\n{"adult":false,"id":550,"original_title":"Fight Club","popularity":61.4,"video":false}\n' >ids
	run --separate-stderr tmdb-fetch --etags movie <ids
	assert_success
	printf '%s\n' "$output" >fetched.jsonl
	jq -e -s --arg t0 "$t0" 'length == 2 and (.[0]._sync.etags | length) == 4 and
		all(.[]._sync.etags[]; .fetched_at >= $t0 and (.request | test("^/movie/(155|550)[/?]"))) and
		all(._sync | keys == ["etags"])' fetched.jsonl
	tmdb-shape --all fetched.jsonl | tmdb-load -q sqlite w.db
	[ "$(sqlite3 w.db 'SELECT count(*) FROM memberships')" -eq 0 ]
	tmdb-load --print-state --ids ids sqlite w.db >state.json
	jq -e --slurpfile f fetched.jsonl '(.etags | keys) == ([$f[]._sync.etags[].request] | sort) and (.fetched | keys) == (.etags | keys)' state.json
	fake_reset
	run --separate-stderr tmdb-fetch --summary --etags --state state.json --fresh-since "$t0" movie < <(cat ids; echo 27205)
	assert_success
	assert_equal "$(asked_movies)" "27205"
	assert_equal "$(jq -c '[.id, (._sync.etags | length > 0)]' <<<"$output")" '[27205,true]'
	[[ $stderr == *"1 fetched, 2 unchanged (2 fresh, not asked), 0 not found"* ]] || fail "$stderr"
	# Without it a movie's line is TMDB's answer alone, as before.
	run --separate-stderr tmdb-fetch movie 550
	jq -e 'has("_sync") | not' <<<"$output"
}

@test "--fresh-since takes a UTC time or @SECONDS and needs --state; anything else is a usage error naming it" {
	for bad in 2025-01-01 2025-02-30T00:00:00Z 2025-01-01T24:00:00Z '2025-01-01 00:00:00Z' \
		2025-01-01T00:00:00+01:00 1969-12-31T23:59:59Z yesterday @ @-5 @12x ''; do
		run -64 --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/none" --fresh-since "$bad" movie 155
		[[ $stderr == *"tmdb-fetch: --fresh-since: '$bad' is not a time"* ]] || fail "$bad: $stderr"
	done
	run -64 --separate-stderr tmdb-fetch --fresh-since 2025-01-01T00:00:00Z movie 155
	[[ $stderr == *"--fresh-since '2025-01-01T00:00:00Z': needs --state"* ]] || fail "$stderr"
	[ "$(fake_requests | wc -l)" -eq 0 ]
	run --separate-stderr tmdb-fetch --state "$BATS_TEST_TMPDIR/none" --fresh-since 2024-02-29T23:59:59Z movie 155
	assert_success
}

@test "a line that is not one JSON object is refused as every program refuses it: 65, -:N, the same reason" {
	# {"id":5,"id":525} was fetched as 525, where tmdb-director refused it.
	assert_refuses_bad_json tmdb-fetch tmdb-fetch movie
	assert_refuses_bad_json tmdb-fetch tmdb-fetch person
	[ "$(fake_requests | jq -s 'length')" -eq 0 ] || fail "it asked the server: $(fake_requests)"
}
