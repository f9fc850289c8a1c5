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
#   BENCH_RESULTS=FILE   where to write the report
#   TMDB_BIN=DIR         the programs (default bin/)
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
	RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS-quick.md}
else
	RUNS=${BENCH_RUNS:-5}
	MOVIES_BIG=${BENCH_MOVIES:-100000}
	MOVIES_SMALL=${BENCH_MOVIES_SMALL:-10000}
	JQ_MOVIES=${BENCH_JQ_MOVIES:-10000}
	SYNTH_MOVIES=${BENCH_SYNTH_MOVIES:-500}
	SYNTH_PEOPLE=${BENCH_SYNTH_PEOPLE:-25}
	JQ_FULL=${BENCH_JQ_FULL:-1}
	RESULTS=${BENCH_RESULTS:-$BENCH_DIR/RESULTS.md}
fi
LATENCY_MS=${BENCH_LATENCY_MS:-50}
RATE=${BENCH_RATE:-100}
JOBS=8
TIMEOUT=${BENCH_TIMEOUT:-1800}
JQ_TIMEOUT=${BENCH_JQ_TIMEOUT:-900}

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

cleanup() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
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

# start_server STATE FIXTURES: the fake TMDB at LATENCY_MS, its URL in STATE/url.
start_server() {
	local state=$1 fixtures=$2 tries=0
	mkdir -p "$state"
	python3 "$ROOT/tests/fake_tmdb.py" serve --fixtures "$fixtures" --state-dir "$state" \
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

# CPU seconds the fake servers used so far (they end only at cleanup).
server_cpu() {
	local pid total=0 ticks
	for pid in "${SERVER_PIDS[@]}"; do
		ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)
		total=$((total + ticks))
	done
	calc '%.4f' "$total / $CLOCK_TICKS"
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
		"| toolkit | $(tmdb-fetch --version | head -n 1), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" status --porcelain -- cmd lib 2>/dev/null | grep -q . && echo ' plus uncommitted changes in cmd/ or lib/') |" \
		"| build | \`make\`: CFLAGS -O2 -g (the Makefile's default) |" ""
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
	say "1/4: person 525 at ${LATENCY_MS} ms, toolkit vs seed model, $RUNS runs each"
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
	say "2/4: $SYNTH_MOVIES synthetic movies at --rate $RATE, $RUNS runs"
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
	say "3/4: generating $MOVIES_BIG movies"
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
	say "3/4: preparing the .import floor's CSV"
	prepare_floor small "$MOVIES_SMALL_FILE"
	prepare_floor big "$MOVIES_BIG_FILE"

	say "3/4: $MOVIES_SMALL and $JQ_MOVIES movies: toolkit, jq + sqlite-utils, .import; $RUNS runs each"
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

	say "3/4: $MOVIES_BIG movies: toolkit and .import; $RUNS runs each"
	for ((i = 1; i <= RUNS; i++)); do
		run_toolkit big "$MOVIES_BIG_FILE"
		run_floor big
	done
	if [[ $JQ_FULL == 1 ]]; then
		say "3/4: one jq + sqlite-utils run at $MOVIES_BIG movies (bound ${JQ_TIMEOUT} s)"
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
	say "4/4: peak RSS at $MOVIES_SMALL and $MOVIES_BIG movies"
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

# Other processes on the machine (a shared one runs other people's tests and builds) make
# wall times longer and noisier: say how much CPU they took during each section.
report_machine_load() {
	local section elapsed busy own others worst=0
	out "## This run" "" \
		"CPU the machine spent during each section ($CPUS CPUs, from /proc/stat) against what this benchmark's" \
		"own processes used (its commands and the fake servers); the rest went to other processes:" "" \
		"| section | elapsed | machine busy | this benchmark | other processes |" "|---|---|---|---|---|"
	for section in 1 2 3 4; do
		read -r elapsed busy own <<<"$(values "machine.$section")"
		others=$(calc '%.0f' "($busy > $own ? $busy - $own : 0) * 100 / ($elapsed * $CPUS)")
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

# --- main ----------------------------------------------------------------------

main() {
	local started overflows
	[[ -x $BIN/tmdb-fetch ]] || die "no $BIN/tmdb-fetch: run make first"
	for tool in jq sqlite3 sqlite-utils python3 timeout /usr/bin/time; do
		command -v "$tool" >/dev/null || die "$tool is missing: sudo bash tests/deps.sh"
	done
	cd "$ROOT"  # the commands in the report are relative to the project's root
	started=$EPOCHREALTIME
	overflows=$(listen_overflows)
	say "runs=$RUNS quick=$QUICK latency=${LATENCY_MS}ms rate=$RATE movies=$MOVIES_BIG/$MOVIES_SMALL jq=$JQ_MOVIES; scratch in $WORK"
	section_begin
	section_sync_525
	section_end 1
	section_begin
	section_rate_limit
	section_end 2
	section_begin
	section_shape_load
	section_end 3
	section_begin
	section_memory
	section_end 4
	machine_section
	report_sync_525
	report_rate_limit
	report_shape_load
	report_memory
	report_machine_load
	out "\`make bench\` took $(calc '%.0f' "$EPOCHREALTIME - $started") s, generation included. TCP listen overflows on this machine" \
		"during the run, any process's (TcpExtListenOverflows): $(($(listen_overflows) - overflows)). Raw samples, one line per run" \
		"(seconds; \`.cpu\`: user + system seconds of all the command's processes; \`machine.N\`: elapsed, machine busy, this benchmark):" "" \
		'```' "$(cat "$SAMPLES")" '```'
	mv "$REPORT" "$RESULTS"
	say "wrote $RESULTS"
	grep -E '\| (PASS|MISS) \|$' "$RESULTS" | sed 's/^/bench: /' >&2
}

main "$@"
