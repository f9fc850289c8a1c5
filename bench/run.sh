#!/usr/bin/env bash
# make bench: time the toolkit against the fake TMDB server on 127.0.0.1 and write
# bench/RESULTS.md. A benchmark, never a test: it stops only when a command fails,
# never because of a number; every target is reported as PASS or MISS.
#
#   BENCH_RUNS=N         timed runs of each command, the median reported (default 5)
#   BENCH_QUICK=1        a smoke run: 2 runs, small sizes, into bench/RESULTS-quick.md
#   BENCH_LATENCY_MS=N   the fake server's delay per request (default 50)
#   BENCH_RATE=R         tmdb-fetch --rate in section 2 (default 100)
#   BENCH_MOVIES=N, BENCH_MOVIES_SMALL=N, BENCH_JQ_MOVIES=N, BENCH_SYNTH_MOVIES=N,
#   BENCH_SYNTH_PEOPLE=N sizes (defaults 100000, 10000, 10000, 500, 25)
#   BENCH_JQ_FULL=0      skip the one jq + sqlite-utils run at BENCH_MOVIES
#   BENCH_TIMEOUT=S      bound on any one timed command (default 1800 s; jq's: BENCH_JQ_TIMEOUT, 900)
#   BENCH_SECTIONS="N…"  run only these sections (default "1 2 3 4 5"; 4 needs 2 and 3), the
#                        report then in bench/RESULTS-partial.md
#   BENCH_RESULTS=FILE   where to write the report
#   TMDB_BIN=DIR         the programs (default bin/)
# Section 5 (several loads into one PostgreSQL, a killed sync resumed):
#   BENCH_WORKERS=N      loads at once (default 4)
#   BENCH_SHARD=N        (a): movies a worker loads at fetch speed (default 500)
#   BENCH_PACE_MS=MS     (a): fetch speed, a movie every MS ms (default 20)
#   BENCH_MANY_MOVIES=N  (b) and (d): movies loaded (default 10000)
#   BENCH_RESUME_MOVIES=N  (c): the catalog run killed and resumed (default 100000), also at N/10
#   BENCH_RESUME_BLOCK=SIZE  (c): catalog.sh --block (default 64k)
#   BENCH_BATCH=N, BENCH_BATCH_SECONDS=S  tmdb-load --batch N --batch-seconds S where the
#                        build has them (default 500 and 10); --wait and --shared too
#   BENCH_LABEL=TEXT     the heading of section 5's figures (default "This build"); a
#                        "### Before …" subsection of section 5 in bench/RESULTS.md is kept
set -euo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
BIN=${TMDB_BIN:-$ROOT/bin}

QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
	RUNS=${BENCH_RUNS:-2}
	MOVIES_BIG=${BENCH_MOVIES:-5000}
	MOVIES_SMALL=${BENCH_MOVIES_SMALL:-1000}
	JQ_MOVIES=${BENCH_JQ_MOVIES:-1000}
	SYNTH_MOVIES=${BENCH_SYNTH_MOVIES:-100}
	SYNTH_PEOPLE=${BENCH_SYNTH_PEOPLE:-5}
	JQ_FULL=${BENCH_JQ_FULL:-0}
	SHARD=${BENCH_SHARD:-50}
	MANY_MOVIES=${BENCH_MANY_MOVIES:-1000}
	RESUME_MOVIES=${BENCH_RESUME_MOVIES:-2000}
	RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS-quick.md}
else
	RUNS=${BENCH_RUNS:-5}
	MOVIES_BIG=${BENCH_MOVIES:-100000}
	MOVIES_SMALL=${BENCH_MOVIES_SMALL:-10000}
	JQ_MOVIES=${BENCH_JQ_MOVIES:-10000}
	SYNTH_MOVIES=${BENCH_SYNTH_MOVIES:-500}
	SYNTH_PEOPLE=${BENCH_SYNTH_PEOPLE:-25}
	JQ_FULL=${BENCH_JQ_FULL:-1}
	SHARD=${BENCH_SHARD:-500}
	MANY_MOVIES=${BENCH_MANY_MOVIES:-10000}
	RESUME_MOVIES=${BENCH_RESUME_MOVIES:-100000}
	RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}
fi
ALL_SECTIONS="1 2 3 4 5"
SECTIONS=${BENCH_SECTIONS:-$ALL_SECTIONS}
if [[ $SECTIONS != "$ALL_SECTIONS" && $QUICK != 1 ]]; then
	RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS-partial.md}
fi
LATENCY_MS=${BENCH_LATENCY_MS:-50}
RATE=${BENCH_RATE:-100}
JOBS=8
TIMEOUT=${BENCH_TIMEOUT:-1800}
JQ_TIMEOUT=${BENCH_JQ_TIMEOUT:-900}
WORKERS=${BENCH_WORKERS:-4}
PACE_MS=${BENCH_PACE_MS:-20}
BATCH=${BENCH_BATCH:-500}
# (c)'s blocks: small enough that at N/10 movies too whole blocks have committed before the
# kill, so both sizes' resumed workers meet blocks whose movies the database all has.
RESUME_BLOCK=${BENCH_RESUME_BLOCK:-64k}
BATCH_SECONDS=${BENCH_BATCH_SECONDS:-10}
LABEL=${BENCH_LABEL:-This build}

# Only loopback: no proxy may carry the traffic elsewhere, no real credential is used.
unset TMDB_ACCESS_TOKEN http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export TMDB_API_KEY=bench_fake_key_0000
export PATH="$BIN:$PATH" LC_ALL=C PYTHONDONTWRITEBYTECODE=1

CPUS=$(nproc)
CLOCK_TICKS=$(getconf CLK_TCK)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tmdb-bench.XXXXXX")
SERVER_PIDS=()
SAMPLES=$WORK/samples.tsv
REPORT=$WORK/RESULTS.md
ERRORS=$WORK/stderr.log
: >"$SAMPLES"

# Section 5's throwaway PostgreSQL cluster: the test suites' own (start_postgres, stop_postgres, pg_query).
# shellcheck source=tests/postgres.bash
source "$ROOT/tests/postgres.bash"
KILLED_GROUP=

cleanup() {
	local pid
	[[ -z $KILLED_GROUP ]] || kill_session "$KILLED_GROUP"
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	stop_postgres
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	say "$*"
	[[ -s $ERRORS ]] && tail -n 20 "$ERRORS" >&2
	exit 1
}

# --- the fake server ---------------------------------------------------------

# start_server STATE FIXTURES [SERVER...]: the fake TMDB at LATENCY_MS, its URL in STATE/url.
# SERVER: tests/fake_tmdb.py serve (the default), or one built on it (bench/fake_catalog.py --movies N).
start_server() {
	local state=$1 fixtures=$2 tries=0
	shift 2
	(($#)) || set -- "$ROOT/tests/fake_tmdb.py" serve
	mkdir -p "$state"
	python3 "$@" --fixtures "$fixtures" --state-dir "$state" \
		--api-key "$TMDB_API_KEY" --latency-ms "$LATENCY_MS" >"$state/server.log" 2>&1 &
	SERVER_PIDS+=("$!")
	until [[ -s $state/port ]]; do
		kill -0 "$!" 2>/dev/null || die "fake server exited: $(cat "$state/server.log")"
		((++tries <= 600)) || die "fake server did not listen within 60 s"
		sleep 0.1
	done
	printf 'http://127.0.0.1:%s/3\n' "$(tr -d '\n' <"$state/port")" >"$state/url"
}

requests_logged() { wc -l <"$1/requests.jsonl"; }

# forget_requests STATE: an empty request log (the server's reset; it has no faults to clear).
forget_requests() {
	python3 "$ROOT/tests/fake_tmdb.py" ctl "$(sed 's|/3$||' "$1/url")" reset >/dev/null ||
		die "cannot reset the fake server of $1"
}

# --- measuring ---------------------------------------------------------------

# record KEY VALUE
record() { printf '%s\t%s\n' "$1" "$2" >>"$SAMPLES"; }

# timed KEY TIMEOUT COMMAND: run COMMAND (bash, pipefail) once, record its wall time in
# seconds under KEY. Past TIMEOUT seconds it is stopped: recorded as "timeout" for the jq
# baseline, a failure for anything else.
timed() {
	local key=$1 bound=$2 command=$3 start end cpu_start status=0
	children_cpu
	cpu_start=$CHILDREN_CPU
	start=$EPOCHREALTIME
	timeout "$bound" bash -o pipefail -c "$command" 2>>"$ERRORS" || status=$?
	end=$EPOCHREALTIME
	children_cpu
	record "$key.cpu" "$(calc '%.4f' "$CHILDREN_CPU - $cpu_start")"
	if ((status == 124)) && [[ $key == s3.jq.* ]]; then
		record "$key" timeout  # the jq baseline may be slow: a bound, not a failure
		return 0
	fi
	((status == 0)) || die "exit $status from: $command"
	record "$key" "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f", e - s }')"
}

# CHILDREN_CPU: CPU seconds (user + system) of this script's children that have ended,
# every command timed so far with all of its processes. From bash's times, which must
# run in this shell: in $(...) it would see only the subshell's own children.
children_cpu() {
	times >"$WORK/times"
	CHILDREN_CPU=$(tail -n 1 "$WORK/times" | awk '{ for (i = 1; i <= NF; i++) { f = $i; sub(/s$/, "", f); split(f, t, "m"); sum += t[1] * 60 + t[2] } }
		END { printf "%.4f\n", sum }')
}

# CPU seconds the fake servers and PostgreSQL used so far (they end only at cleanup):
# PostgreSQL's postmaster with the backends it has reaped, and its processes still running.
server_cpu() {
	local pid total=0
	for pid in "${SERVER_PIDS[@]}"; do
		total=$((total + $(process_ticks "$pid" 14 15)))
	done
	if [[ -n ${PG_PID:-} ]]; then
		total=$((total + $(process_ticks "$PG_PID" 16 17)))
		for pid in "$PG_PID" $(ps -o pid= --ppid "$PG_PID"); do
			total=$((total + $(process_ticks "$pid" 14 15)))
		done
	fi
	calc '%.4f' "$total / $CLOCK_TICKS"
}

# process_ticks PID FIELD FIELD: the sum of two fields of /proc/PID/stat (14 15: user and
# system CPU ticks; 16 17: those of the children it has waited for), 0 once PID is gone.
process_ticks() {
	awk -v a="$2" -v b="$3" '{ print $a + $b }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# CPU seconds the whole machine has been busy since boot (every CPU, steal included).
machine_busy() {
	awk -v hz="$CLOCK_TICKS" '/^cpu / { printf "%.4f\n", ($2 + $3 + $4 + $7 + $8 + $9) / hz }' /proc/stat
}

# section_begin / section_end NAME: how much of the machine other processes took meanwhile.
section_begin() {
	SECTION_START=$EPOCHREALTIME
	SECTION_BUSY=$(machine_busy)
	children_cpu
	SECTION_OWN=$(calc '%.4f' "$CHILDREN_CPU + $(server_cpu)")
}

section_end() {
	local elapsed busy own
	elapsed=$(calc '%.2f' "$EPOCHREALTIME - $SECTION_START")
	busy=$(calc '%.2f' "$(machine_busy) - $SECTION_BUSY")
	children_cpu
	own=$(calc '%.2f' "$CHILDREN_CPU + $(server_cpu) - $SECTION_OWN")
	record "machine.$1" "$elapsed $busy $own"
}

# Values of KEY, one a line.
values() { awk -F '\t' -v k="$1" '$1 == k { print $2 }' "$SAMPLES"; }

# median KEY: the median of KEY's values ("timeout" when any run timed out, "-" when none).
median() {
	values "$1" | sort -g | awk '
		/timeout/ { t = 1 } { v[NR] = $1 }
		END {
			if (t) print "timeout"; else if (NR == 0) print "-";
			else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
		}'
}

# spread KEY: "min-max" of KEY's values, or the value when they are all equal.
spread() {
	values "$1" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print (lo == hi) ? lo : lo "–" hi }'
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# verdict VALUE OP TARGET -> PASS or MISS
verdict() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "" || v == "-" || v == "timeout") { print "MISS"; exit }
		ok = op == ">=" ? v + 0 >= t + 0 : op == "<=" ? v + 0 <= t + 0 : op == "<" ? v + 0 < t + 0 : 0
		print ok ? "PASS" : "MISS" }'
}

fresh_db() { rm -f "$1" "$1-journal" "$1-wal" "$1-shm"; }

rows() { sqlite3 "$1" "SELECT count(*) FROM \"$2\""; }

# The toolkit's tables (lib/tables.c), and rows_all DB: their row counts, "N / N / N / N / N".
TABLES="movies credits reviews crew genres"
TABLES_SLASHED=${TABLES// / \/ }
rows_all() {
	local table counts=""
	for table in $TABLES; do counts+="${counts:+ / }$(rows "$1" "$table")"; done
	printf '%s\n' "$counts"
}

listen_overflows() {
	awk '/^TcpExt:/ { if (!n) { for (i = 1; i <= NF; i++) col[$i] = i; n = 1 } else print $col["ListenOverflows"] }' \
		/proc/net/netstat 2>/dev/null || echo 0
}

# --- the report --------------------------------------------------------------

out() { printf '%s\n' "$@" >>"$REPORT"; }

# toolkit_build: the programs' version and the checkout's commit, and the commit of their
# sources (cmd/, lib/) when it is an older one.
toolkit_build() {
	local head sources
	head=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
	sources=$(git -C "$ROOT" log -1 --format=%h -- cmd lib 2>/dev/null || echo "$head")
	printf '%s, commit %s%s%s%s\n' "$(tmdb-fetch --version | head -n 1)" "$head" \
		"$([[ $sources == "$head" ]] || echo " (cmd/ and lib/ as of $sources)")" \
		"$(git -C "$ROOT" status --porcelain -- cmd lib 2>/dev/null | grep -q . && echo ' plus uncommitted changes in cmd/ or lib/')" \
		"$([[ $BIN == "$ROOT/bin" ]] || echo ", programs from TMDB_BIN=$BIN")"
}

machine_section() {
	local cc=${CC:-cc}
	out "# Benchmark results" "" \
		"Written by \`make bench\` (\`bench/run.sh\`) on $(date -u '+%Y-%m-%d %H:%M UTC'); $([[ $QUICK == 1 ]] && echo '**BENCH_QUICK=1 smoke run: small sizes, few runs — not the benchmark.**')" \
		"Every time is the median of $RUNS runs (BENCH_RUNS) unless it says otherwise; runs of the" \
		"variants compared were interleaved in one \`make bench\`, so each ratio is side by side." \
		"A benchmark, not a test: a MISS is a finding, not a failure." "" \
		"## Machine" "" \
		"| what | value |" "|---|---|" \
		"| CPUs (nproc) | $(nproc) |" \
		"| CPU model | $(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |" \
		"| memory | $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |" \
		"| kernel | $(uname -srm) |" \
		"| compiler | $($cc --version | head -n 1) |" \
		"| libcurl, Jansson, SQLite (pkg-config) | $(pkg-config --modversion libcurl jansson sqlite3 | paste -sd ' ') |" \
		"| sqlite3 CLI | $(sqlite3 --version | cut -d ' ' -f 1) |" \
		"| jq | $(jq --version) |" \
		"| sqlite-utils | $(sqlite-utils --version | awk '{ print $NF }') |" \
		"| python3 | $(python3 --version | cut -d ' ' -f 2) |" \
		"| GNU time | $(dpkg-query -W -f '${Version}' time 2>/dev/null || echo unknown) |" \
		"| toolkit | $(toolkit_build) |" \
		"| build | \`make\`: CFLAGS -O2 -g (the Makefile's default) |"
	if [[ -n ${PG_BIN:-} ]]; then
		out "| PostgreSQL | $("$PG_BIN/postgres" --version | awk '{ print $3 }') (section 5) |"
	fi
	out ""
	out "The fake server is \`tests/fake_tmdb.py\`, the test suites' own. Its listen backlog is 128, not" \
		"Python's default 5: with 5, the 8 connections \`tmdb-fetch -j 8\` opens at once would overflow it" \
		"and the dropped SYNs would be retried by the kernel after 1 s, so every run would measure that" \
		"second (\`tests/fake_tmdb.bats\` checks that a burst of 64 waits in the backlog). Latency per request:" \
		"\`--latency-ms $LATENCY_MS\`. All traffic goes to 127.0.0.1." "" \
		"Commands run from the project's root with \`bin/\` first in PATH and \`bash -o pipefail -c\`;" \
		"\`\$DB\` is a scratch SQLite file, \`\$BENCH_DIR\` is \`bench/\`, the other variables name the" \
		"generated inputs in a \`mktemp -d\` folder removed at the end." ""
}

# --- 1. person 525: the toolkit against the seed's request pattern ------------

section_sync_525() {
	local state=$WORK/server-525 before after i
	say "1/5: person 525 at ${LATENCY_MS} ms, toolkit vs seed model, $RUNS runs each"
	start_server "$state" "$ROOT/tests/fixtures/tmdb"
	export TMDB_BASE_URL DB=$WORK/s1.db
	TMDB_BASE_URL=$(cat "$state/url")
	S1_TOOLKIT="tmdb-fetch person 525 | tmdb-director | tmdb-fetch -j $JOBS movie | tmdb-shape --all | tmdb-load sqlite \"\$DB\""
	S1_SEED="python3 bench/seed_model.py --base-url \"\$TMDB_BASE_URL\" --db \"\$DB\""
	for ((i = 1; i <= RUNS; i++)); do
		fresh_db "$DB"
		before=$(requests_logged "$state")
		timed s1.toolkit "$TIMEOUT" "$S1_TOOLKIT"
		after=$(requests_logged "$state")
		record s1.toolkit.requests $((after - before))
		if ((i == RUNS)); then
			record s1.toolkit.rows "$(rows "$DB" movies) / $(rows "$DB" credits) / $(rows "$DB" reviews)"
		fi
		fresh_db "$DB"
		before=$after
		timed s1.seed "$TIMEOUT" "$S1_SEED"
		after=$(requests_logged "$state")
		record s1.seed.requests $((after - before))
		if ((i == RUNS)); then
			record s1.seed.rows "$(rows "$DB" movies) / $(rows "$DB" credits) / $(rows "$DB" reviews)"
		fi
	done
	record s1.non200 "$(jq -s 'map(select(.status != 200)) | length' "$state/requests.jsonl")"
}

report_sync_525() {
	local toolkit seed ratio
	toolkit=$(median s1.toolkit)
	seed=$(median s1.seed)
	ratio=$(calc '%.1f' "$seed / $toolkit")
	out "## 1. Sync of person 525 at $LATENCY_MS ms a request" "" \
		"Fixtures: \`tests/fixtures/tmdb\` (13 distinct Director movies, 14 Director credits). A fresh" \
		"database each run. Requests counted in the server's \`requests.jsonl\`; rows are movies / credits / reviews." "" \
		"- toolkit: \`$S1_TOOLKIT\`" \
		"- seed model (\`bench/seed_model.py\`): \`$S1_SEED\`" "" \
		"| | wall time (median) | requests a run | rows |" "|---|---|---|---|" \
		"| toolkit | $(calc '%.3f' "$toolkit") s | $(spread s1.toolkit.requests) | $(values s1.toolkit.rows) |" \
		"| seed model | $(calc '%.3f' "$seed") s | $(spread s1.seed.requests) | $(values s1.seed.rows) |" "" \
		"Answers other than 200 in the log: $(values s1.non200). The seed model asks 3 requests a movie and" \
		"sleeps 0.25 s after each, syncs the duplicated Director credit twice and reads only the first" \
		"page of reviews; the toolkit asks one request a movie (\`append_to_response=credits,reviews\`)" \
		"plus the further review pages, \`-j $JOBS\` at once." "" \
		"| target | measured | verdict |" "|---|---|---|" \
		"| toolkit ≥ 15× faster than the seed model | ${ratio}× | $(verdict "$ratio" '>=' 15) |" ""
}

# --- 2. 500 synthetic movies at --rate ----------------------------------------

section_rate_limit() {
	local state=$WORK/server-synth fixtures=$WORK/synthetic before after i
	say "2/5: $SYNTH_MOVIES synthetic movies at --rate $RATE, $RUNS runs"
	python3 "$BENCH_DIR/make_synthetic.py" "$fixtures" --people "$SYNTH_PEOPLE" --movies "$SYNTH_MOVIES" \
		>"$WORK/synthetic-people.txt"
	start_server "$state" "$fixtures"
	export TMDB_BASE_URL IDS=$WORK/synthetic-ids.jsonl DB=$WORK/s2.db RSS=$WORK/rss
	TMDB_BASE_URL=$(cat "$state/url")
	mkdir -p "$RSS"
	# The ids, untimed: every synthetic director's Director credits.
	xargs tmdb-fetch person <"$WORK/synthetic-people.txt" | tmdb-director >"$IDS"
	record s2.ids "$(jq -r .id "$IDS" | sort -u | wc -l)"
	S2_FETCH="tmdb-fetch -j $JOBS --rate $RATE movie < \"\$IDS\" | tmdb-shape --all | tmdb-load sqlite \"\$DB\""
	for ((i = 1; i <= RUNS; i++)); do
		fresh_db "$DB"
		before=$(requests_logged "$state")
		timed s2.fetch "$TIMEOUT" "$S2_FETCH"
		after=$(requests_logged "$state")
		record s2.requests $((after - before))
		record s2.floor "$(calc '%.4f' "($after - $before) / $RATE")"
		if ((i == RUNS)); then
			tail -n "+$((before + 1))" "$state/requests.jsonl" >"$WORK/s2-last-run.jsonl"
		fi
	done
	record s2.rows "$(rows_all "$DB")"
	# The last run's pace from the server's clock, over its second half: by then the
	# bucket's initial burst is spent and only --rate paces the requests.
	record s2.pace "$(jq -s -r '(map(.t) | min) as $t0 | (map(.t) | max) as $tn | (($t0 + $tn) / 2) as $tm
		| (map(select(.t >= $tm)) | length) as $n
		| "\(if $tn > $tm then ($n / ($tn - $tm) * 10 | round / 10) else "-" end) requests/s over the run'"'"'s second half, at most \(map(.in_flight) | max) in flight"' \
		"$WORK/s2-last-run.jsonl")"
	record s2.non200 "$(jq -s 'map(select(.status != 200)) | length' "$state/requests.jsonl")"
	# Peak RSS of tmdb-fetch: one more run, untimed.
	fresh_db "$DB"
	S2_RSS="/usr/bin/time -f %M -o \"\$RSS/fetch\" tmdb-fetch -j $JOBS --rate $RATE movie < \"\$IDS\" | tmdb-shape --all | tmdb-load -q sqlite \"\$DB\""
	bash -o pipefail -c "$S2_RSS" 2>>"$ERRORS" || die "exit $? from: $S2_RSS"
	record rss.fetch "$(cat "$RSS/fetch")"
}

report_rate_limit() {
	local wall floor ratio
	wall=$(median s2.fetch)
	floor=$(median s2.floor)
	ratio=$(calc '%.2f' "$wall / $floor")
	out "## 2. $SYNTH_MOVIES synthetic movies at $LATENCY_MS ms and \`--rate $RATE\`" "" \
		"Fixtures: \`bench/make_synthetic.py\`, $SYNTH_PEOPLE synthetic directors sharing $SYNTH_MOVIES movies" \
		"(20–30 cast, 5–12 crew, 1–3 genres, a few reviews; 8% of the movies with 2 review pages, 4% with 3), served by" \
		"a second fake server. The $(values s2.ids) ids come beforehand, untimed, from" \
		"\`tmdb-fetch person … | tmdb-director\`. Floor = requests / rate." "" \
		"    $S2_FETCH" "" \
		"| wall time (median) | requests a run | floor | wall / floor |" "|---|---|---|---|" \
		"| $(calc '%.3f' "$wall") s | $(spread s2.requests) | $(calc '%.2f' "$floor") s | ${ratio}× |" "" \
		"Rows loaded ($TABLES_SLASHED): $(values s2.rows). Answers other than 200: $(values s2.non200)." \
		"Pace of the last run, from the server's log: $(values s2.pace). tmdb-fetch's token bucket" \
		"starts full (one second's worth of requests may go at once), which is why the wall time can" \
		"be under the floor." "" \
		"| target | measured | verdict |" "|---|---|---|" \
		"| wall ≤ 1.2 × floor | ${ratio}× | $(verdict "$ratio" '<=' 1.2) |" ""
}

# --- 3. shaping and loading generated movies ------------------------------------

section_shape_load() {
	local i
	say "3/5: generating $MOVIES_BIG movies"
	export MOVIES_BIG_FILE=$WORK/movies-big.jsonl MOVIES_SMALL_FILE=$WORK/movies-small.jsonl
	export MOVIES_JQ_FILE=$WORK/movies-jq.jsonl DB=$WORK/s3.db CSV=$WORK/csv BENCH_DIR
	timed s3.generate "$TIMEOUT" "python3 \"\$BENCH_DIR/make_movies.py\" movies $MOVIES_BIG > \"\$MOVIES_BIG_FILE\""
	head -n "$MOVIES_SMALL" "$MOVIES_BIG_FILE" >"$MOVIES_SMALL_FILE"
	head -n "$JQ_MOVIES" "$MOVIES_BIG_FILE" >"$MOVIES_JQ_FILE"
	record s3.size "$(du -m "$MOVIES_BIG_FILE" | cut -f 1)"

	S3_TOOLKIT="tmdb-shape --all < \"\$MOVIES\" | tmdb-load sqlite \"\$DB\""
	S3_JQ="jq -c -f \"\$BENCH_DIR/jq/movies.jq\" < \"\$MOVIES\" | sqlite-utils insert \"\$DB\" movies - --nl --pk movie_id &&
jq -c -f \"\$BENCH_DIR/jq/credits.jq\" < \"\$MOVIES\" | sqlite-utils insert \"\$DB\" credits - --nl --pk credit_id &&
jq -c -f \"\$BENCH_DIR/jq/reviews.jq\" < \"\$MOVIES\" | sqlite-utils insert \"\$DB\" reviews - --nl --pk review_id &&
jq -c -f \"\$BENCH_DIR/jq/crew.jq\" < \"\$MOVIES\" | sqlite-utils insert \"\$DB\" crew - --nl --pk credit_id &&
jq -c -f \"\$BENCH_DIR/jq/genres.jq\" < \"\$MOVIES\" | sqlite-utils insert \"\$DB\" genres - --nl --pk movie_id --pk genre_id"
	S3_IMPORT="sqlite3 \"\$DB\" \".import --csv --skip 1 \$CSV/movies.csv movies\" \".import --csv --skip 1 \$CSV/credits.csv credits\" \".import --csv --skip 1 \$CSV/reviews.csv reviews\" \".import --csv --skip 1 \$CSV/crew.csv crew\" \".import --csv --skip 1 \$CSV/genres.csv genres\""

	# The floor's input, untimed: (a)'s database as CSV, and its schema for an empty database.
	say "3/5: preparing the .import floor's CSV"
	prepare_floor small "$MOVIES_SMALL_FILE"
	prepare_floor big "$MOVIES_BIG_FILE"

	say "3/5: $MOVIES_SMALL and $JQ_MOVIES movies: toolkit, jq + sqlite-utils, .import; $RUNS runs each"
	for ((i = 1; i <= RUNS; i++)); do
		run_toolkit small "$MOVIES_SMALL_FILE"
		[[ $JQ_MOVIES == "$MOVIES_SMALL" ]] || run_toolkit jq "$MOVIES_JQ_FILE"
		fresh_db "$DB"
		MOVIES=$MOVIES_JQ_FILE timed s3.jq.jq "$JQ_TIMEOUT" "$S3_JQ"
		((i < RUNS)) || record s3.jq.rows "$(rows_all "$DB")"
		run_floor small
	done
	if [[ $JQ_MOVIES == "$MOVIES_SMALL" ]]; then
		cp_samples s3.toolkit.small s3.toolkit.jq
		cp_samples s3.toolkit.small.cpu s3.toolkit.jq.cpu
	fi

	say "3/5: $MOVIES_BIG movies: toolkit and .import; $RUNS runs each"
	for ((i = 1; i <= RUNS; i++)); do
		run_toolkit big "$MOVIES_BIG_FILE"
		run_floor big
	done
	if [[ $JQ_FULL == 1 ]]; then
		say "3/5: one jq + sqlite-utils run at $MOVIES_BIG movies (bound ${JQ_TIMEOUT} s)"
		fresh_db "$DB"
		MOVIES=$MOVIES_BIG_FILE timed s3.jq.big "$JQ_TIMEOUT" "$S3_JQ"
	fi
	fresh_db "$DB"
}

# cp_samples FROM TO: the same measurements under a second key.
cp_samples() {
	local value
	for value in $(values "$1"); do record "$2" "$value"; done
}

run_toolkit() {
	fresh_db "$DB"
	MOVIES=$2 timed "s3.toolkit.$1" "$TIMEOUT" "$S3_TOOLKIT"
}

prepare_floor() {
	local size=$1 table
	fresh_db "$DB"
	MOVIES=$2 bash -o pipefail -c "tmdb-shape --all < \"\$MOVIES\" | tmdb-load -q sqlite \"\$DB\"" 2>>"$ERRORS" ||
		die "cannot build the floor's database"
	mkdir -p "$CSV/$size"
	for table in $TABLES; do
		sqlite3 -csv -header "$DB" "SELECT * FROM \"$table\"" >"$CSV/$size/$table.csv"
	done
	sqlite3 "$DB" .schema >"$CSV/$size/schema.sql"
	record "s3.rows.$size" "$(rows_all "$DB")"
}

run_floor() {
	fresh_db "$DB"
	sqlite3 "$DB" <"$CSV/$1/schema.sql"
	CSV=$CSV/$1 timed "s3.import.$1" "$TIMEOUT" "$S3_IMPORT"
}

report_shape_load() {
	local a_jq a_big jq_small floor_big jq_big jq_ratio floor_ratio jq_scaled jq_big_note
	a_jq=$(median s3.toolkit.jq)
	a_big=$(median s3.toolkit.big)
	jq_small=$(median s3.jq.jq)
	floor_big=$(median s3.import.big)
	jq_big=$(median s3.jq.big)
	if [[ $jq_small == timeout ]]; then
		jq_ratio=$(calc '%.1f' "$JQ_TIMEOUT / $a_jq")
		jq_scaled="over $(calc '%.0f' "$JQ_TIMEOUT * $MOVIES_BIG / $JQ_MOVIES") s"
	else
		jq_ratio=$(calc '%.1f' "$jq_small / $a_jq")
		jq_scaled="$(calc '%.1f' "$jq_small * $MOVIES_BIG / $JQ_MOVIES") s"
	fi
	floor_ratio=$(calc '%.2f' "$floor_big / $a_big")
	case $jq_big in
	-) jq_big_note="" ;;
	timeout) jq_big_note="; one run at $MOVIES_BIG movies went past the ${JQ_TIMEOUT} s bound" ;;
	*) jq_big_note="; one run at $MOVIES_BIG movies took $(calc '%.1f' "$jq_big") s, $(calc '%.1f' "$jq_big / $a_big")× (a)'s median there" ;;
	esac
	out "## 3. Shaping and loading $MOVIES_BIG generated movies into SQLite" "" \
		"Input: \`bench/make_movies.py movies $MOVIES_BIG\` ($(values s3.size) MB of JSON Lines, generated in" \
		"$(calc '%.0f' "$(values s3.generate)") s, untimed below): movie objects as \`tmdb-fetch movie\` prints them, 20–30 cast," \
		"5–12 crew, 1–3 genres and about 5 reviews each. The smaller inputs are its first lines (\`head -n\`)." \
		"Rows ($TABLES_SLASHED): $MOVIES_SMALL movies $(values s3.rows.small); $MOVIES_BIG movies $(values s3.rows.big)." \
		"A fresh database each run." "" \
		"- (a) toolkit: \`$S3_TOOLKIT\`" \
		"- (b) jq + sqlite-utils, the same five tables with the same columns, keys and types (\`bench/jq/*.jq\`;" \
		"  \`bench/check_jq.sh\` compares its rows with (a)'s), one pass a table:" "" \
		'```sh' "$S3_JQ" '```' "" \
		"- (c) floor: the tables created empty from (a)'s schema (keys, indexes), untimed, then" \
		"  \`$S3_IMPORT\` of the five tables' CSV files exported beforehand from (a)'s database (untimed). \`.import\`" \
		"  stores null as an empty string and does no upsert: a floor, not an equivalent." "" \
		"jq + sqlite-utils is timed on a subset of $JQ_MOVIES movies (its rows: $(values s3.jq.rows)), side by side" \
		"with (a) on the same subset; that ratio decides the target. Scaled linearly to $MOVIES_BIG movies it would" \
		"take $jq_scaled$jq_big_note." \
		"Any run past ${JQ_TIMEOUT} s is stopped and counted as \"timeout\"." "" \
		"Wall time, median; in brackets the CPU time (user + system of all the command's processes, median)." "" \
		"| movies | (a) toolkit | (b) jq + sqlite-utils | (c) .import floor |" "|---|---|---|---|" \
		"| $MOVIES_SMALL | $(wall_cpu s3.toolkit.small) | $(if [[ $JQ_MOVIES == "$MOVIES_SMALL" ]]; then wall_cpu s3.jq.jq; fi) | $(wall_cpu s3.import.small) |"
	if [[ $JQ_MOVIES != "$MOVIES_SMALL" ]]; then
		out "| $JQ_MOVIES | $(wall_cpu s3.toolkit.jq) | $(wall_cpu s3.jq.jq) | |"
	fi
	out "| $MOVIES_BIG | $(wall_cpu s3.toolkit.big) | $(wall_cpu s3.jq.big)$([[ $jq_big != - ]] && echo ' (1 run)') | $(wall_cpu s3.import.big) |" "" \
		"On CPU time, which other load on the machine disturbs less: (a) is $(calc '%.1f' "$(median s3.jq.jq.cpu) / $(median s3.toolkit.jq.cpu)")× (b)'s speed at $JQ_MOVIES movies and" \
		"$(calc '%.2f' "$(median s3.import.big.cpu) / $(median s3.toolkit.big.cpu)")× (c)'s at $MOVIES_BIG (the targets below are judged on wall time)." "" \
		"Throughput of (a) at $MOVIES_BIG movies: $(calc '%.0f' "$MOVIES_BIG / $a_big") movies/s, $(calc '%.0f' "$(rows_total big) / $a_big") rows/s." "" \
		"| target | measured | verdict |" "|---|---|---|" \
		"| (a) ≥ 20× faster than (b), $JQ_MOVIES movies side by side | ${jq_ratio}×$([[ $jq_small == timeout ]] && echo ' (at least: (b) timed out)') | $(verdict "$jq_ratio" '>=' 20) |" \
		"| (a) ≥ 0.5× the speed of (c), $MOVIES_BIG movies | ${floor_ratio}× ((c) $(calc '%.2f' "$floor_big") s, (a) $(calc '%.2f' "$a_big") s) | $(verdict "$floor_ratio" '>=' 0.5) |" ""
}

# wall_cpu KEY: "W s (CPU C s)" from KEY's medians.
wall_cpu() {
	local wall
	wall=$(median "$1")
	case $wall in
	-) echo "not run" ;;
	timeout) echo "timeout (> ${JQ_TIMEOUT} s)" ;;
	*) calc '%.2f s' "$wall"; calc ' (CPU %.2f s)' "$(median "$1.cpu")" ;;
	esac
}

rows_total() { values "s3.rows.$1" | awk -F ' / ' '{ for (i = 1; i <= NF; i++) sum += $i } END { print sum }'; }

# --- 4. peak RSS of every stage ------------------------------------------------

section_memory() {
	local size file count
	say "4/5: peak RSS at $MOVIES_SMALL and $MOVIES_BIG movies"
	export PEOPLE DB=$WORK/s4.db RSS=$WORK/rss CSV_DIR=$WORK/s4-csv
	mkdir -p "$RSS"
	S4_DIRECTOR="/usr/bin/time -f %M -o \"\$RSS/director\" tmdb-director < \"\$PEOPLE\" > /dev/null"
	S4_SHAPE_LOAD="/usr/bin/time -f %M -o \"\$RSS/shape\" tmdb-shape --all < \"\$MOVIES\" | /usr/bin/time -f %M -o \"\$RSS/load\" tmdb-load -q sqlite \"\$DB\""
	# The CSV sink, into an empty folder, then again into the same one: every file read
	# back and merged with the same rows.
	S4_CSV="tmdb-shape --all < \"\$MOVIES\" | /usr/bin/time -f %M -o \"\$RSS/csv\" tmdb-load -q csv \"\$CSV_DIR\""
	S4_MERGE="tmdb-shape --all < \"\$MOVIES\" | /usr/bin/time -f %M -o \"\$RSS/merge\" tmdb-load -q csv \"\$CSV_DIR\""
	for size in small big; do
		[[ $size == small ]] && count=$MOVIES_SMALL file=$MOVIES_SMALL_FILE
		[[ $size == big ]] && count=$MOVIES_BIG file=$MOVIES_BIG_FILE
		PEOPLE=$WORK/people-$size.jsonl
		python3 "$BENCH_DIR/make_movies.py" people "$count" >"$PEOPLE"
		bash -o pipefail -c "$S4_DIRECTOR" 2>>"$ERRORS" || die "exit $? from: $S4_DIRECTOR"
		record "rss.director.$size" "$(cat "$RSS/director")"
		fresh_db "$DB"
		MOVIES=$file bash -o pipefail -c "$S4_SHAPE_LOAD" 2>>"$ERRORS" || die "exit $? from: $S4_SHAPE_LOAD"
		record "rss.shape.$size" "$(cat "$RSS/shape")"
		record "rss.load.$size" "$(cat "$RSS/load")"
		rm -rf "$CSV_DIR"
		MOVIES=$file bash -o pipefail -c "$S4_CSV" 2>>"$ERRORS" || die "exit $? from: $S4_CSV"
		record "rss.csv.$size" "$(cat "$RSS/csv")"
		record "csv.size.$size" "$(du -m "$CSV_DIR" | cut -f 1)"
		MOVIES=$file bash -o pipefail -c "$S4_MERGE" 2>>"$ERRORS" || die "exit $? from: $S4_MERGE"
		record "rss.merge.$size" "$(cat "$RSS/merge")"
		rm -rf "$CSV_DIR"
	done
	fresh_db "$DB"
}

# stage_name STAGE: the row's name in section 4's tables.
stage_name() {
	case $1 in
	load) echo "tmdb-load sqlite" ;;
	csv) echo "tmdb-load csv" ;;
	merge) echo "tmdb-load csv, merging" ;;
	*) echo "tmdb-$1" ;;
	esac
}

report_memory() {
	local stage small big growth
	out "## 4. Peak RSS of every stage" "" \
		"\`/usr/bin/time -f %M\` (GNU time: maximum resident set size, KiB) around each stage, one run per size:" "" \
		"- \`$S4_DIRECTOR\`, input \`make_movies.py people N\`: movie_credits objects whose Director credits cover N movies (20 a person)" \
		"- \`$S4_SHAPE_LOAD\`, input section 3's N movies" \
		"- \`$S4_CSV\` into an empty folder, then \`$S4_MERGE\` into the same folder (every file read back and merged): section 3's N movies, $(values csv.size.small) MB of CSV at $MOVIES_SMALL movies, $(values csv.size.big) MB at $MOVIES_BIG" \
		"- \`$S2_RSS\` (section 2, $(values s2.ids) movies)" "" \
		"| stage | $MOVIES_SMALL movies | $MOVIES_BIG movies | growth |" "|---|---|---|---|"
	for stage in director shape load csv merge; do
		small=$(values "rss.$stage.small")
		big=$(values "rss.$stage.big")
		out "| $(stage_name "$stage") | $(mib "$small") | $(mib "$big") | $(calc '%+.1f%%' "($big - $small) * 100 / $small") |"
	done
	out "| tmdb-fetch | $(mib "$(values rss.fetch)") at $(values s2.ids) movies | | |" "" \
		"| target | measured | verdict |" "|---|---|---|"
	for stage in shape load csv merge; do
		small=$(values "rss.$stage.small")
		big=$(values "rss.$stage.big")
		growth=$(calc '%.3f' "$big / $small")
		out "| $(stage_name "$stage") < 32 MiB at $MOVIES_SMALL and $MOVIES_BIG movies | $(mib "$small"), $(mib "$big") | $(verdict "$(calc '%d' "($small < 32768 && $big < 32768)")" '>=' 1) |" \
			"| $(stage_name "$stage") flat within 10 % from $MOVIES_SMALL to $MOVIES_BIG | ×$growth | $(verdict "$growth" '<=' 1.10) |"
	done
	out ""
}

mib() { calc '%.1f MiB' "$1 / 1024"; }

# others_share SECTION: the percentage of the machine other processes took during SECTION.
others_share() {
	local elapsed busy own
	read -r elapsed busy own <<<"$(values "machine.$1")"
	calc '%.0f' "($busy > $own ? $busy - $own : 0) * 100 / ($elapsed * $CPUS)"
}

# Other processes on the machine (a shared one runs other people's tests and builds) make
# wall times longer and noisier: say how much CPU they took during each section.
report_machine_load() {
	local section elapsed busy own others worst=0
	out "## This run" "" \
		"CPU the machine spent during each section ($CPUS CPUs, from /proc/stat) against what this benchmark's" \
		"own processes used (its commands, the fake servers and PostgreSQL); the rest went to other processes:" "" \
		"| section | elapsed | machine busy | this benchmark | other processes |" "|---|---|---|---|---|"
	for section in $SECTIONS; do
		read -r elapsed busy own <<<"$(values "machine.$section")"
		others=$(others_share "$section")
		if ((others > worst)); then worst=$others; fi
		out "| $section | $elapsed s | $busy CPU·s | $own CPU·s | $others % of the machine |"
	done
	out ""
	if ((worst >= 10)); then
		out "**Other processes took up to $worst % of the machine during a section: the wall times above are" \
			"inflated and noisier than on a quiet machine.** The \`.cpu\` samples (CPU time of a command's own" \
			"processes) are less affected; section 3 reports them beside the wall times." ""
	fi
}

# --- 5. more than one machine: loads into one PostgreSQL, a killed sync resumed ------------

section_many() {
	local i
	say "5/5: a throwaway PostgreSQL, the inputs ($WORKERS shards of $SHARD movies, $MANY_MOVIES movies)"
	BATS_FILE_TMPDIR=$WORK start_postgres 2>>"$ERRORS" || die "cannot start PostgreSQL (tests/postgres.bash)"
	export DSN=$PG_DSN SHARDS STREAM=$WORK/b-all.stream COPY_SQL=$WORK/copy.sql PG_BIN
	many_options
	many_inputs
	local load="tmdb-load -q ${LOAD_OPTS:+$LOAD_OPTS }postgres \"\$DSN\""
	S5_A_ONE="python3 bench/pace_movies.py $PACE_MS < \"\$SHARDS.1\" | $load"
	S5_A_MANY=$(at_once "python3 bench/pace_movies.py $PACE_MS < \"\$shard\" | $load")
	S5_B_ONE="$load < \"\$STREAM\""
	S5_B_MANY=$(at_once "$load < \"\$shard\"")
	S5_D_COPY="\"\$PG_BIN/psql\" -X -q -v ON_ERROR_STOP=1 -1 -d \"\$DSN\" -f \"\$COPY_SQL\""
	say "5/5: (a) $WORKERS loads at a movie every $PACE_MS ms vs one, (b) $MANY_MOVIES movies by 1 and $WORKERS loads, (d) \\copy; $RUNS runs each"
	for ((i = 1; i <= RUNS; i++)); do
		empty_tables
		SHARDS=$WORK/a-shard timed s5.a.one "$TIMEOUT" "$S5_A_ONE"
		empty_tables
		SHARDS=$WORK/a-shard timed s5.a.many "$TIMEOUT" "$S5_A_MANY"
		((i < RUNS)) || record s5.a.rows "$(pg_rows_all tmdb)"
		empty_tables
		timed s5.b.one "$TIMEOUT" "$S5_B_ONE"
		((i < RUNS)) || record s5.b.one.rows "$(pg_rows_all tmdb)"
		empty_tables
		SHARDS=$WORK/b-shard timed s5.b.many "$TIMEOUT" "$S5_B_MANY"
		((i < RUNS)) || record s5.b.many.rows "$(pg_rows_all tmdb)"
		empty_tables
		timed s5.d.copy "$TIMEOUT" "$S5_D_COPY"
		((i < RUNS)) || record s5.d.rows "$(pg_rows_all tmdb)"
	done
	section_resume
}

# many_options: issue 16's options, used when this build's --help lists them. LOAD_OPTS for
# every tmdb-load postgres; OPTIONS_SEEN says which were there.
many_options() {
	local load_help fetch_help
	load_help=$(tmdb-load --help)
	fetch_help=$(tmdb-fetch --help)
	LOAD_OPTS=
	OPTIONS_SEEN=()
	if has_option "$load_help" --wait; then
		LOAD_OPTS="--wait"
		OPTIONS_SEEN+=("\`tmdb-load --wait\` (wait while another load holds the destination): used")
	fi
	if has_option "$load_help" --shared; then
		LOAD_OPTS+="${LOAD_OPTS:+ }--shared"
		OPTIONS_SEEN+=("\`tmdb-load --shared\` (loads of one job side by side, each movie locked while written): used by every load")
	else
		OPTIONS_SEEN+=("loads side by side: tmdb-load --help lists no \`--shared\`, so each load holds the destination alone")
	fi
	if has_option "$load_help" --batch && has_option "$load_help" --batch-seconds; then
		LOAD_OPTS+="${LOAD_OPTS:+ }--batch $BATCH --batch-seconds $BATCH_SECONDS"
		OPTIONS_SEEN+=("batched commits, \`tmdb-load --batch $BATCH --batch-seconds $BATCH_SECONDS\`: used")
	else
		OPTIONS_SEEN+=("batched commits: tmdb-load --help lists no \`--batch\` and \`--batch-seconds\`, so every load is one transaction")
	fi
	if has_option "$fetch_help" --etags && has_option "$load_help" --ids; then
		OPTIONS_SEEN+=("(c) runs \`pipelines/catalog.sh\`, whose workers read their block's state from the database (\`tmdb-load --print-state --ids\`) and fetch with \`tmdb-fetch --etags --state\`, \`--fresh-since\` the start of a run that did not finish")
	else
		die "(c) runs pipelines/catalog.sh, whose workers need tmdb-fetch --etags and tmdb-load --ids: not in this build's --help"
	fi
}

# has_option HELP OPTION: HELP lists OPTION itself (--batch, not only --batch-seconds).
has_option() { grep -Eq -- "(^|[ ,])$2([ =]|\$)" <<<"$1"; }

# at_once COMMAND: a command running COMMAND once for each of the files "$SHARDS".*, named
# $shard in it, all at once; it ends when all have, failing if any failed.
at_once() {
	# shellcheck disable=SC2016 # expanded by the bash that runs the command
	printf 'pids=(); for shard in "$SHARDS".*; do %s & pids+=($!); done; for pid in "${pids[@]}"; do wait "$pid" || exit; done' "$1"
}

# many_inputs: section 5's movies as Singer streams, untimed. (a): WORKERS shards of SHARD
# movies; (b): MANY_MOVIES movies whole and in WORKERS shards; (d): those as CSV, and the
# psql script that copies them in.
many_inputs() {
	local count=$((WORKERS * SHARD > MANY_MOVIES ? WORKERS * SHARD : MANY_MOVIES))
	local movies=$WORK/many-movies.jsonl
	if [[ -s ${MOVIES_BIG_FILE:-} ]] && ((MOVIES_BIG >= count)); then
		head -n "$count" "$MOVIES_BIG_FILE" >"$movies"  # section 3's: the same lines
	else
		python3 "$BENCH_DIR/make_movies.py" movies "$count" >"$movies"
	fi
	shard_streams "$movies" $((WORKERS * SHARD)) "$SHARD" "$WORK/a-shard"
	shard_streams "$movies" "$MANY_MOVIES" $(((MANY_MOVIES + WORKERS - 1) / WORKERS)) "$WORK/b-shard"
	head -n "$MANY_MOVIES" "$movies" | tmdb-shape --all >"$STREAM"
	grep '^{"type":"SCHEMA"' "$STREAM" >"$WORK/schema.stream"
	rm "$movies"
	tmdb-load -q csv "$WORK/many-csv" <"$STREAM" 2>>"$ERRORS" || die "cannot write (d)'s CSV"
	copy_script "$WORK/many-csv" >"$COPY_SQL"
}

# shard_streams FILE MOVIES SIZE PREFIX: FILE's first MOVIES movies in shards of SIZE, each
# shaped into a Singer stream: PREFIX.1, PREFIX.2, ...
shard_streams() {
	local part
	awk -v n="$2" -v size="$3" -v prefix="$4" 'NR > n { exit }
		{ shard = int((NR - 1) / size) + 1; print > (prefix "." shard ".jsonl") }' "$1"
	for part in "$4".*.jsonl; do
		tmdb-shape --all <"$part" >"${part%.jsonl}"
		rm "$part"
	done
}

# copy_script DIR: a psql script that copies each DIR/TABLE.csv into TABLE, by the header's columns.
copy_script() {
	local file columns
	for file in "$1"/*.csv; do
		columns=$(head -n 1 "$file" | tr -d '\r' | sed 's/[^,]*/"&"/g')
		printf "\\\\copy \"%s\" (%s) FROM '%s' WITH (FORMAT csv, HEADER true)\n" "$(basename "$file" .csv)" "$columns" "$file"
	done
}

# empty_tables: the toolkit's tables, empty, in the database tmdb (its SCHEMA messages loaded).
empty_tables() {
	if ! pg_reset 2>>"$ERRORS" || ! tmdb-load -q postgres "$PG_DSN" <"$WORK/schema.stream" 2>>"$ERRORS"; then
		die "cannot empty the PostgreSQL database"
	fi
}

# pg_dsn DB: the DSN of the database DB of the cluster.
pg_dsn() { printf 'postgresql:///%s?host=%s&port=%s&user=%s\n' "$1" "$PG_BASE" "$PGPORT" "$PG_SUPERUSER"; }

# new_database DB: DB, empty.
new_database() {
	if ! pg_query "DROP DATABASE IF EXISTS $1" -d postgres 2>>"$ERRORS" || ! pg_query "CREATE DATABASE $1" -d postgres 2>>"$ERRORS"; then
		die "cannot create the database $1"
	fi
}

# pg_rows_all DB: the row counts of the toolkit's tables in DB, "N / N / N / N / N".
pg_rows_all() {
	local table counts=""
	for table in $TABLES; do counts+="${counts:+ / }$(pg_rows "$1" "$table")"; done
	printf '%s
' "$counts"
}

# pg_rows DB TABLE: TABLE's rows, 0 when there is no TABLE (a load killed before its commit).
pg_rows() {
	if [[ $(pg_query "SELECT to_regclass('public.\"$2\"') IS NOT NULL" -d "$1") == t ]]; then
		pg_query "SELECT count(*) FROM public.\"$2\"" -d "$1"
	else
		echo 0
	fi
}

# Columns that say when a row was fetched or written, not what TMDB holds: a resumed run
# and a clean one differ there by nature.
WHEN_COLUMNS="'sync_state.fetched_at'"

# same_rows DB1 DB2: "equal", or the tables of DB1 whose rows DB2 does not hold exactly. Every
# column but WHEN_COLUMNS and those of a date or time type.
same_rows() {
	local table columns differ=()
	for table in $(pg_query "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1" -d "$1"); do
		columns=$(pg_query "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)
			FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '$table'
			AND data_type NOT LIKE 'time%' AND data_type <> 'date'
			AND table_name || '.' || column_name NOT IN ($WHEN_COLUMNS)" -d "$1")
		if [[ $(table_digest "$1" "$table" "$columns") != "$(table_digest "$2" "$table" "$columns")" ]]; then
			differ+=("$table")
		fi
	done
	if ((${#differ[@]})); then echo "differ: ${differ[*]}"; else echo equal; fi
}

table_digest() {
	pg_query "COPY (SELECT $3 FROM public.\"$2\" ORDER BY $3) TO STDOUT" -d "$1" 2>>"$ERRORS" | md5sum
}

# --- 5(c): a catalog run killed at about half and run again -----------------------------

section_resume() {
	local state=$WORK/server-catalog
	say "5/5: (c) catalog runs of $((RESUME_MOVIES / 10)) and $RESUME_MOVIES movies, clean and killed at half then resumed"
	start_server "$state" "$ROOT/tests/fixtures/tmdb" "$BENCH_DIR/fake_catalog.py" --movies "$RESUME_MOVIES"
	export TMDB_BASE_URL EXPORT MARKER RSS=$WORK/rss RSS_BIN=$WORK/rss-bin
	TMDB_BASE_URL=$(cat "$state/url")
	rss_programs "$RSS_BIN"
	# shellcheck disable=SC2016 # expanded by the bash that runs the command
	S5_C_RUN='TMDB_BIN=$RSS_BIN /usr/bin/time -f %M -o "$RSS/all" pipelines/catalog.sh -q -j '"$WORKERS"' --rate 0 --block '"$RESUME_BLOCK"' --marker "$MARKER" "$DSN" "$EXPORT"'
	resume_at small $((RESUME_MOVIES / 10)) "$state"
	resume_at big "$RESUME_MOVIES" "$state"
}

# rss_programs DIR: in DIR, a tmdb-fetch, tmdb-shape and tmdb-load that run this build's
# under /usr/bin/time, each adding its peak RSS (KiB) as a line to $RSS/fetch, shape, load
# or state (tmdb-load --print-state), however many of them the workers start.
rss_programs() {
	local program real
	mkdir -p "$1"
	for program in fetch shape load; do
		real=$(command -v "tmdb-$program")
		# shellcheck disable=SC2016 # the wrapper's own $RSS, $* and $@
		printf '#!/bin/sh\nname=%s\ncase " $* " in *" --print-state "*) name=state ;; esac\nexec /usr/bin/time -f %%M -a -o "$RSS/$name" %q "$@"\n' \
			"$program" "$real" >"$1/tmdb-$program"
		chmod +x "$1/tmdb-$program"
	done
}

# resume_at SIZE COUNT SERVER_STATE: a clean catalog run of an export of COUNT movies into the
# database clean_SIZE; one into resumed_SIZE killed once the server has answered half as many
# requests as there are movies, then the same command again, which resumes it.
resume_at() {
	local size=$1 count=$2 server=$3 key=s5.c.$1
	EXPORT=$WORK/export-$size.json.gz
	awk -v n="$count" -v first=10000000 'BEGIN { for (i = 0; i < n; i++)
		printf "{\"adult\":false,\"id\":%d,\"original_title\":\"Movie %d\",\"popularity\":%.3f,\"video\":false}\n", first + i, i, (i % 997) / 10 }' |
		gzip >"$EXPORT"
	record "$key.movies" "$count"

	new_database "clean_$size"
	DSN=$(pg_dsn "clean_$size") MARKER=$WORK/clean-$size.started
	forget_requests "$server"
	rss_reset
	timed "$key.clean" "$TIMEOUT" "$S5_C_RUN"
	record "$key.clean.requests" "$(requests_logged "$server")"
	record_rss "$key.clean"
	record "$key.rows" "$(pg_rows_all "clean_$size")"

	new_database "resumed_$size"
	DSN=$(pg_dsn "resumed_$size") MARKER=$WORK/resumed-$size.started
	forget_requests "$server"
	run_killed "$S5_C_RUN" "$server" $((count / 2))
	record "$key.killed.requests" "$(requests_logged "$server")"
	record "$key.killed.movies" "$(pg_rows "resumed_$size" movies)"
	[[ -s $MARKER ]] || die "the killed run left no marker: $MARKER"

	forget_requests "$server"
	rss_reset
	timed "$key.resumed" "$TIMEOUT" "$S5_C_RUN"
	record "$key.resumed.requests" "$(requests_logged "$server")"
	record_rss "$key.resumed"
	record "$key.same" "$(same_rows "clean_$size" "resumed_$size")"
}

rss_reset() {
	rm -rf "$RSS"
	mkdir -p "$RSS"
}

# record_rss KEY: the peak of each kind of process, the largest of its runs.
record_rss() {
	local process
	for process in state fetch shape load all; do
		record "$1.rss.$process" "$(sort -n "$RSS/$process" | tail -n 1)"
	done
}

# run_killed COMMAND SERVER_STATE AT: COMMAND in a session of its own, every process of which
# is killed (SIGKILL) once the fake server has logged AT requests. The session, not the
# process group: GNU parallel starts each job in a group of its own.
run_killed() {
	local command=$1 server=$2 at=$3 pid tries=0
	setsid bash -o pipefail -c "$command" 2>>"$ERRORS" &
	pid=$!
	until [[ $(ps -o sid= -p "$pid" | tr -d ' ') == "$pid" ]]; do  # setsid has not run yet
		((++tries <= 500)) || die "no session of its own for: $command"
		sleep 0.01
	done
	KILLED_GROUP=$pid
	until (($(requests_logged "$server") >= at)); do
		running "$pid" || die "ended after $(requests_logged "$server") requests, before $at, so not killed: $command"
		sleep 0.05
	done
	kill_session "$pid"
	wait "$pid" 2>/dev/null || true
	KILLED_GROUP=
}

# kill_session SID: every process of the session, gone before it returns.
kill_session() {
	local tries=0
	while pkill -KILL -s "$1" 2>/dev/null; do
		((++tries <= 200)) || break
		sleep 0.05
	done
}

# running PID: PID is a process that has not ended (not a zombie either).
running() { ps -o stat= -p "$1" | grep -qv '^Z'; }

report_many() {
	local a_ratio b_ratio d_ratio
	a_ratio=$(calc '%.2f' "$(median s5.a.many) / $(median s5.a.one)")
	b_ratio=$(calc '%.2f' "$(median s5.b.many) / $(median s5.b.one)")
	d_ratio=$(calc '%.2f' "$(median s5.d.copy) / $(median s5.b.one)")
	out "## 5. More than one machine: $WORKERS loads into one PostgreSQL, a catalog run killed and resumed" "" \
		"Issue 16: several \`tmdb-load postgres\` writing into one database at once, and a catalog run" \
		"killed and run again without asking TMDB twice for what it had committed. PostgreSQL is a throwaway" \
		"cluster on this machine (\`tests/postgres.bash\`, the suites' own: fsync, full_page_writes and" \
		"synchronous_commit off); the loads, PostgreSQL and the fake TMDB share its $CPUS CPUs. Another build:" \
		"\`TMDB_BIN=DIR BENCH_SECTIONS=5 bash bench/run.sh\` (into \`bench/RESULTS-partial.md\`; BENCH_SHARD," \
		"BENCH_MANY_MOVIES, BENCH_RESUME_MOVIES and BENCH_RUNS size it, BENCH_LABEL names it)." "" \
		"### $LABEL ($(toolkit_build), $(date -u '+%Y-%m-%d'))" "" \
		"$("$PG_BIN/postgres" --version). The section took $(values machine.5 | cut -d ' ' -f 1) s of a run of sections $SECTIONS; other processes" \
		"took $(others_share 5) % of the machine meanwhile. Sizes: BENCH_SHARD=$SHARD, BENCH_MANY_MOVIES=$MANY_MOVIES," \
		"BENCH_RESUME_MOVIES=$RESUME_MOVIES; medians of $RUNS runs for (a), (b) and (d), the variants interleaved, (c) once a size. Options of issue 16" \
		"in this build's \`--help\`:" ""
	printf -- '- %s\n' "${OPTIONS_SEEN[@]}" >>"$REPORT"
	out "" "Commands, from the project's root: \`\$DSN\` is the database, \`\$SHARDS.1\`, \`\$SHARDS.2\`, … the" \
		"shards' Singer streams (\`make_movies.py movies\`, consecutive movies, through \`tmdb-shape --all\`)," \
		"\`\$STREAM\` the $MANY_MOVIES movies' stream. Before each timed command the database is emptied and the" \
		"tables created (the stream's SCHEMA lines loaded), untimed." "" \
		"**(a)** $WORKERS loads at once, each fed its shard of $SHARD movies at fetch speed (one movie every $PACE_MS ms:" \
		"\`bench/pace_movies.py\`), against one load of one shard:" "" \
		"- one: \`$S5_A_ONE\`" \
		"- $WORKERS at once: \`$S5_A_MANY\`" "" \
		"| | wall time (median) | runs | rows after ($TABLES_SLASHED) |" "|---|---|---|---|" \
		"| 1 load, $SHARD movies | $(calc '%.2f' "$(median s5.a.one)") s | $(spread s5.a.one) | |" \
		"| $WORKERS loads, $((WORKERS * SHARD)) movies | $(calc '%.2f' "$(median s5.a.many)") s | $(spread s5.a.many) | $(values s5.a.rows) |" "" \
		"The input alone takes at least $(calc '%.1f' "($SHARD - 1) * $PACE_MS / 1000") s ($SHARD movies, $PACE_MS ms apart)." "" \
		"**(b)** $MANY_MOVIES movies by 1 load and by $WORKERS (shards of $(((MANY_MOVIES + WORKERS - 1) / WORKERS))), the input as fast as it is read:" "" \
		"- 1: \`$S5_B_ONE\`" \
		"- $WORKERS: \`$S5_B_MANY\`" "" \
		"| | wall time, median (CPU of the loads) | movies/s | rows after |" "|---|---|---|---|" \
		"| 1 load | $(wall_cpu s5.b.one) | $(calc '%.0f' "$MANY_MOVIES / $(median s5.b.one)") | $(values s5.b.one.rows) |" \
		"| $WORKERS loads | $(wall_cpu s5.b.many) | $(calc '%.0f' "$MANY_MOVIES / $(median s5.b.many)") | $(values s5.b.many.rows) |" "" \
		"$WORKERS loads take ${b_ratio}× one load's time, as measured: this machine has $CPUS CPUs for $WORKERS loads and their" \
		"$WORKERS PostgreSQL backends (the CPU in brackets leaves PostgreSQL's out)." "" \
		"**(d)** One load of the $MANY_MOVIES movies ((b)'s) against the floor: \`psql \\copy\` of the same rows, the CSV" \
		"\`tmdb-load csv\` writes from the same stream (untimed), into the same empty tables:" "" \
		"- \`$S5_D_COPY\`, \`\$COPY_SQL\` one line a table, such as" \
		"  \`$(head -n 1 "$COPY_SQL" | sed "s|$WORK/|\$WORK/|")\`" "" \
		"| tmdb-load postgres | \\copy floor | rows after \\copy |" "|---|---|---|" \
		"| $(wall_cpu s5.b.one) | $(wall_cpu s5.d.copy) | $(values s5.d.rows) |" ""
	report_resume
	out "| target | measured | verdict |" "|---|---|---|" \
		"| (a) $WORKERS loads at fetch speed ≤ 1.2 × one load's wall time | ${a_ratio}× | $(verdict "$a_ratio" '<=' 1.2) |" \
		"| (b) $WORKERS loads against 1, input as fast as it comes | ${b_ratio}× | reported as measured |" \
		"| (c) requests of the killed and the resumed run ≤ 1.02 × a clean run's, $RESUME_MOVIES movies | $RESUME_RATIO× | $(verdict "$RESUME_RATIO" '<=' 1.02) |" \
		"| (c) the resumed run's tables equal a clean run's, both sizes | $RESUME_SAME | $(verdict "$([[ $RESUME_SAME == "equal, equal" ]] && echo 1)" '>=' 1) |" \
		"| (c) peak RSS of every process flat within 10 % from $((RESUME_MOVIES / 10)) to $RESUME_MOVIES movies | ×$RSS_WORST ($RSS_WORST_WHAT) | $(verdict "$RSS_WORST" '<=' 1.10) |" \
		"| (d) tmdb-load ≥ 0.5 × the speed of \\copy, $MANY_MOVIES movies | ${d_ratio}× | $(verdict "$d_ratio" '>=' 0.5) |" ""
	kept_subsections
}

report_resume() {
	local size run process small big growth row
	out "**(c)** A catalog run of $RESUME_MOVIES movies, and of $((RESUME_MOVIES / 10)): \`pipelines/catalog.sh\` with $WORKERS workers over an" \
		"export of that many lines (\`\$EXPORT\`, gzip, \`{\"adult\":false,\"id\":…,\"original_title\":…,\"popularity\":…,\"video\":false}\`)" \
		"into an empty database. The server is \`bench/fake_catalog.py --movies $RESUME_MOVIES\`, \`tests/fake_tmdb.py\` answering" \
		"make_movies.py's movies, at $LATENCY_MS ms a request. A clean run; into another database, the same run killed" \
		"(SIGKILL to every process of its session) once the server has logged half as many requests as there are" \
		"movies, then the same command again, which finds the killed run's marker and resumes it. Requests counted in" \
		"the server's log; tables compared column by column, all but ${WHEN_COLUMNS//\'/} (when an answer came) and any" \
		"date or time type. \`\$RSS_BIN\` holds a tmdb-fetch, tmdb-shape and tmdb-load that run this build's under" \
		"\`/usr/bin/time -f %M\`, so every process the workers start reports its peak RSS. Each worker's processes hold" \
		"one block (\`--block $RESUME_BLOCK\`, BENCH_RESUME_BLOCK): at either size, blocks wholly committed before the kill" \
		"come again to the resumed run, whose worker then reads the state of a whole block." "" \
		"- clean, killed and resumed: \`$S5_C_RUN\`" "" \
		"| movies | clean run | killed run | resumed run | killed + resumed / clean | tables after, against the clean run's | wall time: clean, resumed |" \
		"|---|---|---|---|---|---|---|"
	for size in small big; do
		out "| $(values "s5.c.$size.movies") | $(values "s5.c.$size.clean.requests") requests | $(values "s5.c.$size.killed.requests") requests, $(values "s5.c.$size.killed.movies") movies committed | $(values "s5.c.$size.resumed.requests") requests | $(calc '%.3f' "($(values "s5.c.$size.killed.requests") + $(values "s5.c.$size.resumed.requests")) / $(values "s5.c.$size.clean.requests")")× | $(values "s5.c.$size.same") | $(calc '%.1f' "$(values "s5.c.$size.clean")") s, $(calc '%.1f' "$(values "s5.c.$size.resumed")") s |"
	done
	RESUME_RATIO=$(calc '%.3f' "($(values s5.c.big.killed.requests) + $(values s5.c.big.resumed.requests)) / $(values s5.c.big.clean.requests)")
	RESUME_SAME="$(values s5.c.small.same), $(values s5.c.big.same)"
	out "" "Rows of the clean run ($TABLES_SLASHED): $(values s5.c.small.rows) and $(values s5.c.big.rows)." "" \
		"Peak RSS of each kind of process (the largest of the many each run starts) in the clean and the resumed run:" "" \
		"| process | clean, $((RESUME_MOVIES / 10)) | clean, $RESUME_MOVIES | resumed, $((RESUME_MOVIES / 10)) | resumed, $RESUME_MOVIES | growth: clean, resumed |" "|---|---|---|---|---|---|"
	RSS_WORST=0 RSS_WORST_WHAT=
	for process in state fetch shape load all; do
		row="| $(resume_process "$process")"
		for run in clean resumed; do
			small=$(values "s5.c.small.$run.rss.$process")
			big=$(values "s5.c.big.$run.rss.$process")
			row+=" | $(mib "$small") | $(mib "$big")"
			growth=$(calc '%.3f' "$big / $small")
			if awk -v g="$growth" -v w="$RSS_WORST" 'BEGIN { exit !(g > w) }'; then
				RSS_WORST=$growth RSS_WORST_WHAT="$(resume_process "$process"), $run"
			fi
		done
		out "$row | ×$(calc '%.3f' "$(values "s5.c.big.clean.rss.$process") / $(values "s5.c.small.clean.rss.$process")"), ×$(calc '%.3f' "$(values "s5.c.big.resumed.rss.$process") / $(values "s5.c.small.resumed.rss.$process")") |"
	done
	out ""
}

resume_process() {
	case $1 in
	state) echo "tmdb-load --print-state --ids" ;;
	all) echo "the largest of all (GNU parallel's perl too)" ;;
	load) echo "tmdb-load postgres" ;;
	*) echo "tmdb-$1" ;;
	esac
}

# kept_subsections: section 5's "### Before …" subsections in bench/RESULTS.md, figures of an
# older build that a new report keeps beside its own.
kept_subsections() {
	[[ -f $BENCH_DIR/RESULTS.md ]] || return 0
	awk '/^## / { in5 = ($0 ~ /^## 5\./); keep = 0 }
		/^### / { keep = in5 && ($0 ~ /^### Before/) }
		keep' "$BENCH_DIR/RESULTS.md" >>"$REPORT"
}

# --- main ----------------------------------------------------------------------

# Each section's run and report functions.
SECTION_RUN=([1]=section_sync_525 [2]=section_rate_limit [3]=section_shape_load [4]=section_memory [5]=section_many)
SECTION_REPORT=([1]=report_sync_525 [2]=report_rate_limit [3]=report_shape_load [4]=report_memory [5]=report_many)

# check_sections: SECTIONS names known sections, and 4 comes with the inputs of 2 and 3.
check_sections() {
	local section
	for section in $SECTIONS; do
		[[ $section =~ ^[1-5]$ ]] || die "BENCH_SECTIONS: no section '$section' (sections: $ALL_SECTIONS)"
	done
	if [[ " $SECTIONS " == *" 4 "* && (" $SECTIONS " != *" 2 "* || " $SECTIONS " != *" 3 "*) ]]; then
		die "BENCH_SECTIONS: section 4 measures the inputs of 2 and 3, so it needs them too"
	fi
}

main() {
	local started overflows section
	[[ -x $BIN/tmdb-fetch ]] || die "no $BIN/tmdb-fetch: run make first"
	check_sections
	for tool in jq sqlite3 sqlite-utils python3 timeout /usr/bin/time setsid; do
		command -v "$tool" >/dev/null || die "$tool is missing: sudo bash tests/deps.sh"
	done
	cd "$ROOT"  # the commands in the report are relative to the project's root
	started=$EPOCHREALTIME
	overflows=$(listen_overflows)
	say "sections=$SECTIONS runs=$RUNS quick=$QUICK latency=${LATENCY_MS}ms rate=$RATE movies=$MOVIES_BIG/$MOVIES_SMALL jq=$JQ_MOVIES; scratch in $WORK"
	for section in $SECTIONS; do
		section_begin
		"${SECTION_RUN[section]}"
		section_end "$section"
	done
	machine_section
	for section in $SECTIONS; do
		"${SECTION_REPORT[section]}"
	done
	report_machine_load
	out "\`make bench\` took $(calc '%.0f' "$EPOCHREALTIME - $started") s, generation included. TCP listen overflows on this machine" \
		"during the run, any process's (TcpExtListenOverflows): $(($(listen_overflows) - overflows)). Raw samples, one line per run" \
		"(seconds; \`.cpu\`: user + system seconds of all the command's processes; \`machine.N\`: elapsed, machine busy, this benchmark):" "" \
		'```' "$(cat "$SAMPLES")" '```'
	mv "$REPORT" "$RESULTS"
	say "wrote $RESULTS"
	# Every verdict under its heading: a kept "### Before …" subsection's are an older build's.
	awk '/^##+ / { heading = $0 } /\| (PASS|MISS) \|$/ { if (heading != shown) print shown = heading; print }' "$RESULTS" |
		sed 's/^/bench: /' >&2
}

main "$@"
