#!/usr/bin/env bats
# The catalog as input: TMDB's daily ID export (tests/make_export.py writes one for the
# movies the fake TMDB serves) read by tmdb-fetch movie as it is, and pipelines/catalog.sh
# spreading it over GNU parallel workers into one real PostgreSQL (tests/postgres.bash).

load test_helper
load postgres

CATALOG="$BATS_TEST_DIRNAME/../pipelines/catalog.sh"

# The fake serves its fixtures plus 200 synthetic movies (some with 2 or 3 review pages):
# 218 export lines, about 23 KB, a dozen blocks of 2 KB.
setup_file() {
	FAKE_FIXTURES="$BATS_FILE_TMPDIR/fixtures"
	mkdir -p "$FAKE_FIXTURES"
	cp -R "$BATS_TEST_DIRNAME/fixtures/tmdb/." "$FAKE_FIXTURES/"
	python3 "$BATS_TEST_DIRNAME/../bench/make_synthetic.py" "$FAKE_FIXTURES" --people 4 --movies 200 >/dev/null
	export FAKE_FIXTURES
	EXPORT="$BATS_FILE_TMPDIR/movie_ids_12_02_2026.json.gz"
	python3 "$BATS_TEST_DIRNAME/make_export.py" "$FAKE_FIXTURES" "$EXPORT" | sort >"$BATS_FILE_TMPDIR/ids"
	export EXPORT
	expected_rows >"$BATS_FILE_TMPDIR/expected"
	start_fake_tmdb
	start_postgres
	# The reference: one plain SQLite load of the whole export.
	REFERENCE="$BATS_FILE_TMPDIR/reference.db"
	export REFERENCE
	(set -o pipefail
		zcat "$EXPORT" | tmdb-fetch movie | tmdb-shape --all | tmdb-load -q sqlite "$REFERENCE")
}

teardown_file() {
	stop_postgres
	stop_fake_tmdb
}

setup() {
	fake_reset
	pg_reset
	cd "$BATS_TEST_TMPDIR" || return
	# Where a run notes that it began: each test its own.
	export XDG_STATE_HOME="$BATS_TEST_TMPDIR/state"
}

# expected_rows: "ID CAST REVIEWS" for each movie the fixtures hold, from the fixtures.
expected_rows() {
	local id
	while read -r id; do
		printf '%s %s %s\n' "$id" \
			"$(jq '.cast | length' "$FAKE_FIXTURES/movie/$id/credits.json")" \
			"$(jq '.results | length' "$FAKE_FIXTURES/movie/$id/reviews.json" 2>/dev/null || echo 0)"
	done <"$BATS_FILE_TMPDIR/ids"
}

# sqlite_rows DB: "ID CAST REVIEWS" for each movie DB holds.
sqlite_rows() {
	sqlite3 -separator ' ' "$1" "SELECT movie_id,
		(SELECT count(*) FROM credits c WHERE c.movie_id = m.movie_id),
		(SELECT count(*) FROM reviews r WHERE r.movie_id = m.movie_id) FROM movies m" | sort
}

# catalog ARG...: pipelines/catalog.sh with what every run here shares: the fake answers
# as fast as it can, small blocks so the export makes many.
catalog() {
	bash "$CATALOG" --rate 0 --block 2k "$@"
}

# pg_ids: the movies PostgreSQL holds, sorted as the ids file is.
pg_ids() {
	pg_query 'SELECT movie_id FROM movies' | sort
}

# pg_equals_reference [IDS_FILE]: every table in PostgreSQL holds what the reference load
# holds, for the movies in IDS_FILE (default: all of them).
pg_equals_reference() {
	local table where=''
	if [[ -n ${1:-} ]]; then
		where="WHERE movie_id IN ($(sed "s/.*/'&'/" "$1" | paste -sd,))"
	fi
	# sync_state says when each was fetched, so it is not TMDB's data: each run's differs.
	for table in $(sqlite3 "$REFERENCE" "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sync_state' ORDER BY 1"); do
		sqlite3 -csv "$REFERENCE" "SELECT * FROM $table $where" | sorted_csv >"sqlite.$table"
		"$PG_BIN/psql" -X -q --csv -t -c "SELECT * FROM $table $where" | sorted_csv >"pg.$table"
		diff "sqlite.$table" "pg.$table" >/dev/null || fail "$table differs: $(diff "sqlite.$table" "pg.$table" | head -5)"
	done
}

# fetched_twice: each request to a movie or one of its review pages made more than once.
fetched_twice() {
	jq -r 'select(.path | test("^/3/movie/")) | "\(.path) page \(.query.page // "1")"' "$FAKE_LOG" | sort | uniq -d
}

# fetched_movies: the movies asked for, sorted as the ids file is.
fetched_movies() {
	jq -r 'select(.path | test("^/3/movie/[0-9]+$")) | .path | ltrimstr("/3/movie/")' "$FAKE_LOG" | sort
}

@test "the generated export is TMDB's: gzip, one object a line, every kind of line the real one has" {
	run gzip -t "$EXPORT"
	assert_success
	zcat "$EXPORT" >export.jsonl
	[ "$(wc -l <export.jsonl)" -eq 218 ]
	jq -e -s 'all(keys_unsorted == ["adult", "id", "original_title", "popularity", "video"])' export.jsonl
	grep -q '"adult":true' export.jsonl
	grep -q '"video":true' export.jsonl
	grep -q '"popularity":[0-9.]*e+1[0-9]' export.jsonl
	grep -q '千と千尋の神隠し' export.jsonl
	grep -q '\\u0418' export.jsonl
	grep -q '\\ud83c\\udfac' export.jsonl
	grep -qF $'\\"quoted\\" \\\\' export.jsonl
	jq -r .id export.jsonl | sort | cmp - "$BATS_FILE_TMPDIR/ids"
}

@test "zcat export | tmdb-fetch movie | tmdb-shape --all | tmdb-load sqlite: exactly the export's movies, each whole, each fetched once" {
	set -o pipefail
	zcat "$EXPORT" | tmdb-fetch movie | tmdb-shape --all | tmdb-load -q sqlite export.db
	sqlite_rows export.db | diff "$BATS_FILE_TMPDIR/expected" -
	run fetched_twice
	assert_output ""
	fetched_movies | cmp - "$BATS_FILE_TMPDIR/ids"
}

@test "the export's lines as they are: CR LF line ends, no final newline, plain or gzip, objects or numbers: the same warehouse" {
	python3 "$BATS_TEST_DIRNAME/make_export.py" "$FAKE_FIXTURES" crlf.json --plain --crlf --no-final-newline >/dev/null
	[[ $(tail -c 1 crlf.json) == '}' ]]
	grep -q $'\r$' crlf.json
	# The same list as bare numbers, CR LF too.
	jq -r .id crlf.json | sed 's/$/\r/' >numbers.txt
	set -o pipefail
	for list in crlf.json numbers.txt; do
		tmdb-fetch movie <"$list" | tmdb-shape --all | tmdb-load -q sqlite "$list.db"
		sqlite_rows "$list.db" | diff "$BATS_FILE_TMPDIR/expected" -
		for table in movies credits reviews crew genres; do
			diff <(sqlite3 "$REFERENCE" "SELECT * FROM $table ORDER BY 1, 2") \
				<(sqlite3 "$list.db" "SELECT * FROM $table ORDER BY 1, 2") || fail "$list: $table differs"
		done
	done
}

@test "catalog.sh, 4 workers over the gzip export: PostgreSQL holds the source, every movie once and whole, none fetched twice" {
	mkdir tmp
	TMPDIR=$PWD/tmp run --separate-stderr catalog -j 4 "$PG_DSN" "$EXPORT"
	assert_success
	assert_equal "$(ls tmp)" ""
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr =~ catalog.sh:\ ([0-9]+)\ blocks\ loaded ]] || fail "$stderr"
	((BASH_REMATCH[1] >= 8)) || fail "only ${BASH_REMATCH[1]} blocks"
	pg_ids | cmp - "$BATS_FILE_TMPDIR/ids"
	pg_equals_reference
	[ "$(pg_query 'SELECT count(*) FROM reviews')" -eq "$(awk '{ n += $3 } END { print n }' "$BATS_FILE_TMPDIR/expected")" ]
	[ "$(pg_query 'SELECT count(*) FROM credits')" -eq "$(awk '{ n += $2 } END { print n }' "$BATS_FILE_TMPDIR/expected")" ]
	run fetched_twice
	assert_output ""
	fetched_movies | cmp - "$BATS_FILE_TMPDIR/ids"
	# Each movie's ETags and when they came, committed with it: what a later run resumes from.
	pg_query "SELECT DISTINCT movie_id FROM sync_state WHERE fetched_at IS NOT NULL AND etag IS NOT NULL" | sort |
		cmp - "$BATS_FILE_TMPDIR/ids"
}

@test "catalog.sh reads a plain ID list from standard input too" {
	printf '550\n{"id": 77}\n27205\r\n550\n' | bash "$CATALOG" -q -j 2 "$PG_DSN"
	[ "$(pg_query 'SELECT movie_id FROM movies ORDER BY 1' | paste -sd ' ')" = "27205 550 77" ]
	printf '550\n77\n27205\n' >ids
	pg_equals_reference ids
}

@test "a block that fails stops the run with its status, naming block, host and program; what committed is whole movies" {
	fake_fault '{"match": "^/3/movie/7000100$", "kind": "status", "status": 500, "times": 1000}'
	run --separate-stderr catalog -j 4 "$PG_DSN" "$EXPORT"
	assert_failure 69
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr =~ catalog.sh:\ block\ [0-9]+\ on\ this\ machine:\ tmdb-fetch\ exited\ 69 ]] || fail "$stderr"
	[[ $stderr == *7000100* ]] || fail "$stderr"
	[[ $stderr =~ catalog.sh:\ [0-9]+\ blocks?\ loaded,\ failed:\ block\ [0-9]+\ \(exit\ 69\) ]] || fail "$stderr"
	[ "$(pg_query "SELECT count(*) FROM movies WHERE movie_id = '7000100'")" -eq 0 ]
	pg_ids >held
	[ "$(wc -l <held)" -lt 218 ]
	pg_equals_reference held
}

@test "a run stopped half way and run again asks for none of the movies it committed, and ends equal to the source" {
	fake_fault '{"match": "^/3/movie/7000100$", "kind": "status", "status": 500, "times": 1000}'
	mkdir tmp
	TMPDIR=$PWD/tmp run --separate-stderr catalog -j 4 "$PG_DSN" "$EXPORT"
	assert_failure 69
	# The workers stopped took their blocks' files with them.
	assert_equal "$(ls tmp)" ""
	pg_ids >committed
	[ -s committed ] && [ "$(wc -l <committed)" -lt 218 ]
	# The run's start is noted, and kept since it did not finish.
	marker=$(echo "$XDG_STATE_HOME"/tmdb-toolkit/catalog-*.started)
	[[ $(cat "$marker") =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] || fail "$(ls -R "$XDG_STATE_HOME")"
	fake_reset
	run --separate-stderr catalog -j 4 "$PG_DSN" "$EXPORT"
	assert_success
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"catalog.sh: resuming the run that started at "*", not finished: "* ]] || fail "$stderr"
	fetched_movies >asked
	assert_equal "$(comm -12 asked committed | paste -sd ' ')" ""
	comm -23 "$BATS_FILE_TMPDIR/ids" committed | cmp - asked
	pg_ids | cmp - "$BATS_FILE_TMPDIR/ids"
	pg_equals_reference
	# Finished: the note is gone, and the next run asks for every movie again, if changed.
	[ ! -e "$marker" ]
	fake_reset
	run --separate-stderr catalog -q -j 4 "$PG_DSN" "$EXPORT"
	assert_success
	[ -z "$stderr" ]
	fetched_movies | cmp - "$BATS_FILE_TMPDIR/ids"
	assert_equal "$(jq -r 'select(.path | test("^/3/movie/[0-9]+$")) | .status' "$FAKE_LOG" | sort -u)" "304"
	pg_equals_reference
}

@test "a worker that outlives the halt's SIGTERM is killed, and still leaves no files behind" {
	fake_fault '{"match": "^/3/movie/7000100$", "kind": "status", "status": 500, "times": 1000}'
	# Every load ignores SIGTERM and lingers: GNU parallel's halt must end the workers
	# still running with SIGKILL, which no trap of theirs sees.
	mkdir slow tmp
	ln -s "$TMDB_BIN"/tmdb-* slow/
	rm slow/tmdb-load
	printf '#!/bin/bash\ntrap "" TERM\n%q "$@" || exit\nsleep 2\n' "$TMDB_BIN/tmdb-load" >slow/tmdb-load
	chmod +x slow/tmdb-load
	TMDB_BIN=$PWD/slow TMPDIR=$PWD/tmp run --separate-stderr catalog -j 4 "$PG_DSN" "$EXPORT"
	assert_failure 69
	assert_equal "$(ls -A tmp)" ""
	pg_equals_reference <(pg_ids)
}

@test "a run killed (SIGKILL, every process) and run again asks only for what was not committed, and ends equal to the source" {
	fake_fault '{"match": "^/3/movie/", "kind": "slow", "delay": 0.02}'
	setsid bash "$CATALOG" --rate 0 --block 2k -j 4 "$PG_DSN" "$EXPORT" 2>err &
	pid=$!
	until [ "$(fetched_movies | wc -l)" -ge 110 ]; do
		kill -0 "$pid" 2>/dev/null || fail "ended before it was killed: $(cat err)"
		sleep 0.05
	done
	# GNU parallel gives each job a process group of its own: the session holds them all.
	pkill -KILL -s "$pid"
	wait "$pid" || true
	until [ -z "$(pgrep -s "$pid")" ]; do sleep 0.05; done
	pg_ids >committed
	fake_reset
	run --separate-stderr catalog -j 4 "$PG_DSN" "$EXPORT"
	assert_success
	fetched_movies >asked
	assert_equal "$(comm -12 asked committed | paste -sd ' ')" ""
	comm -23 "$BATS_FILE_TMPDIR/ids" committed | cmp - asked
	pg_equals_reference
}

@test "a line that is no ID: 65, naming the block and the line as tmdb-fetch would; the blocks before it load" {
	run --separate-stderr bash "$CATALOG" --rate 0 --block 8 -j 1 "$PG_DSN" < <(printf '550\n155\n{"title":"x"}\n27205\n')
	assert_failure 65
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr =~ tmdb-load:\ -:[0-9]+:\  ]] || fail "$stderr"
	[[ $stderr =~ catalog.sh:\ block\ [0-9]+\ on\ this\ machine:\ tmdb-load\ exited\ 65 ]] || fail "$stderr"
	# The blocks before it loaded (one at a time: -j 1), none after.
	[ "$(pg_query 'SELECT movie_id FROM movies ORDER BY 1' | paste -sd ' ')" = "155 550" ]
}

@test "a database that cannot be reached: the status of tmdb-load, named" {
	run --separate-stderr catalog -j 2 "postgresql://tmdb@127.0.0.1:9/tmdb" "$EXPORT"
	assert_failure 69
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"tmdb-load exited 69"* ]] || fail "$stderr"
}

@test "a truncated gzip export: 65 naming the file, the lines before the cut loaded whole" {
	head -c "$(($(stat -c %s "$EXPORT") / 2))" "$EXPORT" >cut.json.gz
	run --separate-stderr catalog -j 2 "$PG_DSN" cut.json.gz
	assert_failure 65
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"cut.json.gz: not gzip-compressed ID lines, or cut short"* ]] || fail "$stderr"
	pg_ids >held
	[ "$(wc -l <held)" -gt 0 ]
	pg_equals_reference held
}

@test "the key is on no process's command line and only tmdb-fetch has it; 4 workers share --rate through one file" {
	# 550's answer waits until the processes have been looked at.
	hold_answer '^/3/movie/550$' looked
	zcat "$EXPORT" | head -20 >some.jsonl
	bash "$CATALOG" -j 4 --rate 40 --block 300 --batch 7 --batch-seconds 2.5 "$PG_DSN" <some.jsonl >out 2>err 3>&- &
	pid=$!
	wait_for_request '^/3/movie/550$'
	cmdlines_of "$pid" >cmdlines
	for child in $(tree_pids "$pid"); do
		case $(tr '\0' ' ' <"/proc/$child/cmdline" 2>/dev/null) in
		tmdb-fetch*) tr '\0' '\n' <"/proc/$child/environ" >>fetch.environ 2>/dev/null || true ;;
		tmdb-shape* | tmdb-load*) tr '\0' '\n' <"/proc/$child/environ" >>others.environ 2>/dev/null || true ;;
		esac
	done
	touch looked
	wait "$pid" || fail "catalog.sh failed: $(cat err)"
	grep -q 'tmdb-fetch --rate 40 --rate-file [^ ]*tmdb-catalog-rate[^ ]* .*movie' cmdlines || fail "$(cat cmdlines)"
	[ "$(grep -o 'rate-file [^ ]*' cmdlines | sort -u | wc -l)" -eq 1 ] || fail "not one rate file: $(cat cmdlines)"
	grep -q 'tmdb-load --shared --wait --batch 7 --batch-seconds 2.5 postgres' cmdlines || fail "$(cat cmdlines)"
	run grep -F -e "$FAKE_API_KEY" cmdlines
	assert_failure
	grep -qx "TMDB_API_KEY=$FAKE_API_KEY" fetch.environ
	grep -q '^PATH=' others.environ
	run grep '^TMDB_API_KEY=' others.environ
	assert_failure
	run grep -F "$FAKE_API_KEY" out err
	assert_failure
	[ "$(pg_query 'SELECT count(*) FROM movies')" -eq 20 ]
}

# A stand-in for ssh: logs its arguments and runs the command here, as another host would,
# with none of this machine's TMDB settings in its environment, nor a SHELL (as a CI runner
# or an ssh replacement such as a container exec may have none: GNU parallel's remote side
# then ran no command and reported success).
make_fake_ssh() {
	mkdir -p bin
	cat >bin/ssh <<-EOF
		#!/usr/bin/env bash
		printf '%s\n' "\$*" >>"$BATS_TEST_TMPDIR/ssh.log"
		while [[ \$1 == -* ]]; do case \$1 in -l | -o | -p) shift 2 ;; *) shift ;; esac; done
		echo "\$1" >>"$BATS_TEST_TMPDIR/ssh.hosts"
		shift
		[[ \${1:-} != -- ]] || shift
		exec env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN -u TMDB_BASE_URL -u SHELL bash -c "\$*"
	EOF
	chmod +x bin/ssh
	export PARALLEL_SSH="$BATS_TEST_TMPDIR/bin/ssh"
}

@test "--sshlogin: each host uses its own credentials, never this machine's key; with a config file there, every movie lands once" {
	make_fake_ssh
	zcat "$EXPORT" | head -40 >some.jsonl
	# Without credentials of their own, the hosts cannot fetch: none travel from here.
	run --separate-stderr catalog -j 2 --sshlogin hostA,hostB "$PG_DSN" some.jsonl
	assert_failure 78
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr =~ block\ [0-9]+\ on\ host[AB]:\ tmdb-fetch\ exited\ 78 ]] || fail "$stderr"
	pg_reset
	fake_reset
	printf '{"api_key": "%s"}\n' "$FAKE_API_KEY" >config.json
	chmod 600 config.json
	run --separate-stderr catalog -j 2 --sshlogin hostA --sshlogin hostB -c "$PWD/config.json" "$PG_DSN" some.jsonl
	assert_success
	sort -u ssh.hosts | paste -sd ' ' | grep -qx 'hostA hostB'
	pg_ids | cmp - <(jq -r .id some.jsonl | sort)
	run fetched_twice
	assert_output ""
	# GNU parallel hex-encodes the remote command: neither spelling holds the key.
	run grep -F -e "$FAKE_API_KEY" -e "$(printf '%s' "$FAKE_API_KEY" | od -An -tx1 | tr -d ' \n')" ssh.log
	assert_failure
}

@test "usage: --help, a missing DSN, bad numbers, a rate below one request per worker, an unreadable file, no marker" {
	run bash "$CATALOG" --help
	assert_success
	assert_line --index 0 --regexp '^usage: catalog\.sh \[options\] DSN \[FILE\]'
	run -64 --separate-stderr bash "$CATALOG"
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[ "$stderr" = "catalog.sh: missing DSN
Try 'catalog.sh --help' for more information." ]
	run -64 --separate-stderr bash "$CATALOG" --jobs 0 "$PG_DSN"
	[[ $stderr == *"--jobs '0'"* ]]
	run -64 --separate-stderr bash "$CATALOG" --rate fast "$PG_DSN"
	run -64 --separate-stderr bash "$CATALOG" --block 1T "$PG_DSN"
	run -64 --separate-stderr bash "$CATALOG" --batch -1 "$PG_DSN"
	[[ $stderr == *"--batch '-1'"* ]] || fail "$stderr"
	run -64 --separate-stderr bash "$CATALOG" --batch-seconds 1s "$PG_DSN"
	[[ $stderr == *"--batch-seconds '1s'"* ]] || fail "$stderr"
	run -64 --separate-stderr bash "$CATALOG" --rate 3 -j 4 --sshlogin : "$PG_DSN"
	[[ $stderr == *"less than one request a second for each of the 4 workers"* ]]
	run -64 --separate-stderr bash "$CATALOG" --rate 6 -j 2 --sshlogin 3/hostA,: --sshlogin hostB "$PG_DSN"
	[[ $stderr == *"each of the 7 workers"* ]] || fail "$stderr"
	run -64 --separate-stderr bash "$CATALOG" "$PG_DSN" a b
	run -66 --separate-stderr bash "$CATALOG" "$PG_DSN" missing.json.gz
	[ "$stderr" = "catalog.sh: missing.json.gz: cannot read" ]
	# A run that cannot note its start does not start: 73, naming the folder.
	run -73 --separate-stderr bash "$CATALOG" --marker /dev/null/run.started "$PG_DSN" <<<'550'
	[ "$stderr" = "catalog.sh: /dev/null: cannot create the marker there" ] || fail "$stderr"
	[ "$(pg_query "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" -eq 0 ]
}

@test "installed, tmdb-catalog runs on the installed files only" {
	make -C "$PROJECT_ROOT" --no-print-directory install DESTDIR="$BATS_TEST_TMPDIR/root" PREFIX=/usr >/dev/null
	unset TMDB_BIN
	printf '550\n77\n' >ids
	PATH="$BATS_TEST_TMPDIR/root/usr/bin:/usr/bin:/bin" run --separate-stderr \
		"$BATS_TEST_TMPDIR/root/usr/bin/tmdb-catalog" -j 2 "$PG_DSN" ids
	assert_success
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr == *"tmdb-catalog: 1 block loaded"* ]] || fail "$stderr"
	[ "$(pg_query 'SELECT count(*) FROM movies')" -eq 2 ]
}
