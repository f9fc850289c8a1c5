# shellcheck shell=bash
# Shared setup for every Bats file:   load test_helper
#
# Provides the environment the programs under test expect, a fake TMDB server
# (tests/fake_tmdb.py) to point them at, and small helpers to steer and
# inspect that server.  Typical file:
#
#   setup_file()    { load test_helper; start_fake_tmdb; }
#   teardown_file() { stop_fake_tmdb; }
#   setup()         { load test_helper; fake_reset; }

bats_require_minimum_version 1.5.0

# Debian's bats-support / bats-assert packages install here.
BATS_LIBS_DIR="${BATS_LIBS_DIR:-/usr/lib/bats}"
load "$BATS_LIBS_DIR/bats-support/load"
load "$BATS_LIBS_DIR/bats-assert/load"

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMDB_BIN="${TMDB_BIN:-$PROJECT_ROOT/bin}"
PATH="$TMDB_BIN:$PATH"
export PROJECT_ROOT TMDB_BIN PATH

# Distinctive credentials: easy to grep for in logs and output (tests can
# check that programs never print them).
FAKE_API_KEY='fk_5ecret_d0e8c1a9f3b74e22'
FAKE_TOKEN='fake-bearer.eyJ0ZXN0IjoidG1kYiJ9.s1gn4ture7c3'
export FAKE_API_KEY FAKE_TOKEN

# Retry backoff base of the programs: 0 so tests never sleep, except where a
# Retry-After header demands it.
export TMDB_RETRY_BASE_MS=0

# Safety net: until start_fake_tmdb runs, anything that tries the network hits
# the discard port on loopback, never the real api.themoviedb.org.
# Bats sources this file again in every test process, after setup_file's
# exports are inherited: then keep pointing at the server already running.
unset TMDB_ACCESS_TOKEN
if [[ -n "${FAKE_URL:-}" ]]; then
  export TMDB_BASE_URL="$FAKE_URL/3" TMDB_API_KEY="$FAKE_API_KEY"
else
  export TMDB_BASE_URL=http://127.0.0.1:9/3
  unset TMDB_API_KEY
fi

# A proxy from the environment must not carry loopback traffic elsewhere.
if [[ ",${NO_PROXY:-}," != *",127.0.0.1,"* ]]; then
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
fi
export no_proxy="$NO_PROXY"

FAKE_TMDB_PY="$PROJECT_ROOT/tests/fake_tmdb.py"

# start_fake_tmdb [extra serve args...]
# Start the fake server (normally in setup_file) and point the programs at it.
# The server ends with this shell ($$: the Bats file's process in setup_file, the
# test's in a test) even if nothing stops it, such as a setup_file that failed.
# Exports FAKE_PORT FAKE_PID FAKE_STATE FAKE_LOG FAKE_URL TMDB_BASE_URL
# TMDB_API_KEY.  FAKE_FIXTURES overrides the fixtures folder.
start_fake_tmdb() {
  local fixtures="${FAKE_FIXTURES:-$PROJECT_ROOT/tests/fixtures/tmdb}"
  local state launcher tries=0
  state="$(mktemp -d "${BATS_FILE_TMPDIR:-${BATS_TMPDIR:-/tmp}}/fake_tmdb.XXXXXX")"

  # 3>&- : Bats waits for fd 3 to close; a background child holding it would
  # hang the whole run.
  python3 "$FAKE_TMDB_PY" serve --fixtures "$fixtures" --state-dir "$state" \
    --api-key "$FAKE_API_KEY" --token "$FAKE_TOKEN" --owner-pid "$$" "$@" \
    >"$state/server.log" 2>&1 3>&- &
  launcher=$!

  # The server writes the port file (atomically) only once it listens.
  until [[ -s "$state/port" ]]; do
    if ! kill -0 "$launcher" 2>/dev/null; then
      fail "fake_tmdb exited before listening; its output:
$(cat "$state/server.log")"
      return 1
    fi
    if ((++tries > 200)); then
      kill "$launcher" 2>/dev/null
      fail "fake_tmdb did not listen within 10 s; its output:
$(cat "$state/server.log")"
      return 1
    fi
    sleep 0.05
  done

  FAKE_STATE="$state"
  FAKE_PORT="$(<"$state/port")"
  FAKE_PID="$(<"$state/pid")"
  FAKE_LOG="$state/requests.jsonl"
  FAKE_URL="http://127.0.0.1:$FAKE_PORT"
  TMDB_BASE_URL="$FAKE_URL/3"
  TMDB_API_KEY="$FAKE_API_KEY"
  export FAKE_STATE FAKE_PORT FAKE_PID FAKE_LOG FAKE_URL TMDB_BASE_URL TMDB_API_KEY
}

# stop_fake_tmdb: SIGTERM the server started by start_fake_tmdb and wait until
# it is gone (SIGKILL after 5 s); forgets its PID.  Safe to call twice, and
# when start_fake_tmdb never ran or failed (a teardown_file after a half-done setup).
stop_fake_tmdb() {
  local pid="${FAKE_PID:-}" tries=0
  [[ -n "$pid" ]] || return 0
  FAKE_PID=''
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    # Our own child lingers as a zombie (kill -0 still succeeds) until reaped.
    if [[ "$(ps -o stat= -p "$pid" 2>/dev/null)" == Z* ]]; then
      wait "$pid" 2>/dev/null || true
      break
    fi
    if ((++tries == 100)); then
      kill -KILL "$pid" 2>/dev/null
    fi
    sleep 0.05
  done
  return 0
}

# fake_ctl VERB [JSON]: raw control call; prints the answer, fails on error.
fake_ctl() {
  python3 "$FAKE_TMDB_PY" ctl "${FAKE_URL:?start_fake_tmdb first}" "$@"
}

# fake_fault JSON: add a fault rule, e.g.
#   fake_fault '{"match":"^/3/movie/550$","kind":"status","status":429,"retry_after":"1"}'
fake_fault() { fake_ctl fault "$1" >/dev/null; }

# fake_reset: no faults, empty request log, fixtures as loaded.
fake_reset() { fake_ctl reset >/dev/null; }

# fake_resource JSON: {"path":"movie/550","json":{...}} or {"path":...,"delete":true}
fake_resource() { fake_ctl resource "$1" >/dev/null; }

# fake_requests [JQ_FILTER]: the logged API requests, one compact JSON per line
# per jq output (default: each whole entry).
fake_requests() { jq -c "${1:-.}" "${FAKE_LOG:?start_fake_tmdb first}"; }

# fake_count REGEX: how many logged requests have a path matching REGEX.
fake_count() {
  jq -n --arg re "$1" '[inputs | select(.path | test($re))] | length' \
    "${FAKE_LOG:?start_fake_tmdb first}"
}

# json_eq A_FILE B_FILE: same JSON value (key order and layout ignored);
# otherwise fail showing the diff.  Process substitution works for strings:
#   json_eq <(printf '%s' "$output") "$expected_file"
json_eq() {
  local a b
  a="$(jq -S . "$1")" || { fail "json_eq: $1 is not valid JSON"; return 1; }
  b="$(jq -S . "$2")" || { fail "json_eq: $2 is not valid JSON"; return 1; }
  if [[ "$a" != "$b" ]]; then
    fail "JSON differs ($1 vs $2):
$(diff <(printf '%s\n' "$a") <(printf '%s\n' "$b"))"
    return 1
  fi
}

# tree_pids PID: PID and every process below it, one a line. One snapshot of the process
# table: a walk with a ps per process takes seconds on a loaded machine, and the
# processes it looks for may be gone by its end.
tree_pids() {
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { parent[$1] = $2 }
    END {
      for (pid in parent) {
        for (up = pid; up != root && up in parent && up > 1; up = parent[up])
          ;
        if (up == root)
          print pid
      }
    }'
}

# cmdlines_of PID: the argument lists of PID and every process below it, one a line.
cmdlines_of() {
  local pid
  for pid in $(tree_pids "$1"); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null && echo
  done
  return 0  # a process that ended meanwhile has no list
}

# hold_answer REGEX FILE: the fake answers the next request to a matching path only once
# FILE (relative to the current folder) exists, or after 20 s: a test looks at the client
# while it waits, however slow the machine.
hold_answer() {
  fake_fault "$(jq -cn --arg match "$1" --arg until "$PWD/$2" \
    '{match: $match, kind: "slow", delay: 20, until: $until}')"
}

# wait_for_request REGEX: until the fake server has logged a request to a matching path.
wait_for_request() {
  local tries
  for ((tries = 0; tries < 200; tries++)); do
    [ "$(fake_count "$1")" -ge 1 ] && return 0
    sleep 0.05
  done
  fail "no request to $1 within 10 s"
}

# When each request was answered (sync_state.fetched_at, a state's "fetched") differs from
# run to run: comparisons of a warehouse or a state with a clean sync's leave it out.

# dump_columns TABLE: the columns to select of a warehouse table, fetched_at left out.
dump_columns() {
  case $1 in
  sync_state) echo 'request, movie_id, etag' ;;
  *) echo '*' ;;
  esac
}

# dump_without_times DB: sqlite3's .dump of DB with every fetched_at null.
dump_without_times() {
  sqlite3 "$1" .dump |
    sed -E "/^INSERT INTO sync_state VALUES/s/'[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'\);$/NULL);/"
}

# state_without_times FILE: the state FILE holds, without its "fetched" times.
state_without_times() {
  jq -S 'del(.fetched)' "$1"
}
