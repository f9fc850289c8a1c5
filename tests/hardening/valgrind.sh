#!/usr/bin/env bash
# make valgrind: the programs' main paths under valgrind, against the fake TMDB on 127.0.0.1.
# Fails on any memory error or definitely lost block (valgrind exits 99 then); prints one
# line per run and a last "valgrind: N runs, N failed" line.
#   tests/hardening/valgrind.sh [BIN]      (default bin/)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=$(cd "${1:-$root/bin}" && pwd)
command -v valgrind >/dev/null || { echo "valgrind: not installed (tests/deps.sh lists it)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/tmdb-valgrind.XXXXXX")
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# The fake TMDB, as the tests run it: it writes its port file once it listens.
start_server() {
	python3 "$root/tests/fake_tmdb.py" serve --fixtures "$root/tests/fixtures/tmdb" \
		--state-dir "$work/server" --api-key valgrind_fake_key --owner-pid "$$" >"$work/server.log" 2>&1 &
	server_pid=$!
	local tries=0
	until [[ -s $work/server/port ]]; do
		kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
		((++tries < 200)) || { echo "valgrind: the fake TMDB did not start" >&2; exit 1; }
		sleep 0.05
	done
	TMDB_BASE_URL="http://127.0.0.1:$(<"$work/server/port")/3"
	export TMDB_BASE_URL TMDB_API_KEY=valgrind_fake_key
	export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1 TMDB_RETRY_BASE_MS=0
	unset TMDB_ACCESS_TOKEN
}

fault() {
	curl -sS --fail --noproxy '*' -H 'Content-Type: application/json' --data-binary "$1" \
		"${TMDB_BASE_URL%/3}/_control/fault" >/dev/null
}

runs=0 failed=0
# check STATUS NAME PROGRAM ARGS... (stdin and stdout as the caller redirects them):
# PROGRAM under valgrind must exit STATUS; 99 is valgrind's own verdict.
check() {
	local expect=$1 name=$2 program=$3 status=0
	shift 3
	valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
		--log-file="$work/$name.valgrind" "$bin/$program" "$@" 2>"$work/$name.stderr" || status=$?
	runs=$((runs + 1))
	if ((status == expect)); then
		echo "valgrind: ok: $name" >&2
	else
		failed=$((failed + 1))
		echo "valgrind: FAILED: $name: exit $status, expected $expect" >&2
		cat "$work/$name.valgrind" "$work/$name.stderr" >&2
	fi
}

start_server
cd "$work"
check 0 fetch-person tmdb-fetch person 525 >person.jsonl
check 0 director tmdb-director person.jsonl >directed.jsonl
check 0 fetch-movies tmdb-fetch --state-out state.json movie 155 550 27205 <directed.jsonl >movies.jsonl
check 0 fetch-incremental tmdb-fetch --state state.json movie 155 550 >/dev/null
check 0 fetch-search tmdb-fetch search Christopher Nolan >/dev/null
check 0 fetch-get tmdb-fetch get /movie/550/credits >/dev/null
check 0 fetch-404 tmdb-fetch -q movie 999999999 >/dev/null
fault '{"match": "^/3/movie/550$", "kind": "status", "status": 503}'
fault '{"match": "^/3/movie/155/reviews$", "kind": "truncate"}'
check 0 fetch-retries tmdb-fetch -q movie 550 155 >/dev/null
fault '{"match": "^/3/movie/550$", "kind": "status", "status": 500, "times": 9}'
check 69 fetch-unavailable tmdb-fetch -q --retries 1 movie 550 >/dev/null
check 0 fetch-record tmdb-fetch --record recording movie 155 >/dev/null
check 0 fetch-replay tmdb-fetch --replay recording movie 155 >/dev/null
check 0 shape-all tmdb-shape --all movies.jsonl >stream.jsonl
check 0 shape-table tmdb-shape credits movies.jsonl >/dev/null
check 0 load-sqlite tmdb-load -q sqlite warehouse.db <stream.jsonl
check 0 load-sqlite-again tmdb-load -q sqlite warehouse.db <stream.jsonl
check 65 load-sqlite-bad tmdb-load -q sqlite warehouse.db <<<'{"type":"RECORD","stream":"movies","record":{}}'
check 0 load-csv tmdb-load -q csv csv <stream.jsonl
check 0 load-csv-merge tmdb-load -q csv csv <stream.jsonl
check 0 load-csv-stdout tmdb-load -q csv - reviews <stream.jsonl >/dev/null
echo "valgrind: $runs runs, $failed failed" >&2
((failed == 0))
