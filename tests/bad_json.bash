# shellcheck shell=bash
# The lines every program reading JSON Lines refuses alike, with the same reason: one
# judge (lib/jsonl.c, jsonl_judge_line) for tmdb-fetch, tmdb-director, tmdb-shape and
# tmdb-load. Loaded by each program's suite:   load bad_json

# One case a line: the line (printf %b) and, after a tab, the reason every program gives.
bad_json_lines() {
	cat <<'LINES'
{"id":5,"id":525}	not JSON: an object names a key twice (column 9)
{"id":5,"title":"\xff"}	not JSON: invalid UTF-8 in a string (column 18)
{"id":5	not JSON: expected ',' or '}' in an object (column 8)
{"id":5}\x00	not JSON: more after the value (column 9)
{"id":5} {"id":6}	not JSON: more after the value (column 10)
LINES
}

# assert_refuses_bad_json PROGRAM COMMAND [ARGS...]
# Each bad line, as line 2 after a blank one, exits 65 with one line on stderr,
# "PROGRAM: -:2: REASON", and nothing on stdout. A line that is JSON but no object is
# refused too, saying so.
# shellcheck disable=SC2154 # run sets stderr and output
assert_refuses_bad_json() {
	local program=$1 line reason
	shift
	while IFS=$'\t' read -r line reason; do
		run -65 --separate-stderr "$@" < <(printf '\n%b\n' "$line")
		[ "$stderr" = "$program: -:2: $reason" ] || fail "$line: stderr was: $stderr"
		[ -z "$output" ] || fail "$line: printed: $output"
	done < <(bad_json_lines)
	for line in '[5]' '"five"'; do
		run -65 --separate-stderr "$@" < <(printf '\n%s\n' "$line")
		[[ "$stderr" == "$program: -:2: "*"JSON object"* ]] || fail "$line: stderr was: $stderr"
		[ -z "$output" ] || fail "$line: printed: $output"
	done
}
