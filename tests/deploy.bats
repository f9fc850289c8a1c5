#!/usr/bin/env bats
# pipelines/deploy.sh: config.json, prompts and flags, a connection's home and lock, cron.

load with_fake_tmdb

DEPLOY="$BATS_TEST_DIRNAME/../pipelines/deploy.sh"
FACTS="$BATS_TEST_DIRNAME/fixtures/tmdb-facts.json"

setup() {
	fake_reset
	export TMDB_DEPLOY_HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$BATS_TEST_TMPDIR/project/deeper/still"
	cat >"$BATS_TEST_TMPDIR/project/config.json" <<-JSON
		{"tmdb": {"api_keys": {"acme": "$FAKE_API_KEY"}, "access_tokens": {"beta": "$FAKE_TOKEN"}},
		 "fivetran": {"api_keys": {"MDS_DATABRICKS_HOL": "$FAKE_API_KEY"}},
		 "destinations": {"lite": {"type": "sqlite", "path": "warehouse/tmdb.db"},
		                  "flat": {"type": "csv", "dir": "warehouse/csv"},
		                  "odd": {"type": "oracle", "dsn": "x"}}}
	JSON
	cd "$BATS_TEST_TMPDIR/project/deeper/still" || return
	# deploy.sh reads the credential from config.json only.
	unset TMDB_API_KEY
}

deploy() {
	bash "$DEPLOY" "$@" </dev/null
}

movies_in() {
	sqlite3 "$BATS_TEST_TMPDIR/project/warehouse/tmdb.db" 'SELECT count(*) FROM movies'
}

@test "--help prints usage and exits 0" {
	run --separate-stderr bash "$DEPLOY" --help
	assert_success
	assert_output --partial "--schedule CRON"
}

@test "finds config.json in a parent, syncs into a sqlite destination, and again idempotently" {
	run --separate-stderr deploy --account acme --destination lite --connection c1
	assert_success
	[ "$(movies_in)" -eq "$(jq '.person_525_director_movie_ids | length' "$FACTS")" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/project/warehouse/tmdb.db" 'SELECT count(*) FROM genres')" -eq \
		"$(jq '[.person_525_director_movie_ids[] as $id | .movies[$id | tostring].genre_ids | length] | add' "$FACTS")" ]
	[ -f "$TMDB_DEPLOY_HOME/c1/state.json" ] && [ -s "$TMDB_DEPLOY_HOME/c1/sync.log" ]
	sqlite3 "$BATS_TEST_TMPDIR/project/warehouse/tmdb.db" .dump >"$BATS_TEST_TMPDIR/once"
	run --separate-stderr deploy --account acme --destination lite --connection c1 --run
	assert_success
	sqlite3 "$BATS_TEST_TMPDIR/project/warehouse/tmdb.db" .dump | cmp - "$BATS_TEST_TMPDIR/once"
	[[ $output == *"0 fetched, 13 unchanged"* ]]
	grep -q '"account": "acme"' "$TMDB_DEPLOY_HOME/c1/settings.json"
	run ! grep -rq -- "$FAKE_API_KEY" "$TMDB_DEPLOY_HOME"
}

@test "the seed's .fivetran.api_keys path and v4 tokens are read too" {
	run --separate-stderr deploy --yes --destination lite
	assert_success
	[ -d "$TMDB_DEPLOY_HOME/default-connection" ]
	run --separate-stderr deploy --account beta --destination flat --connection c2
	assert_success
	[ "$(fake_requests 'select(.headers.authorization != null) | .path' | wc -l)" -gt 0 ]
	# Every movie directed, under its header; crew and genres hold rows too.
	[ "$(wc -l <"$BATS_TEST_TMPDIR/project/warehouse/csv/movies.csv")" -eq 14 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/project/warehouse/csv/crew.csv")" -gt 1 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/project/warehouse/csv/genres.csv")" -gt 1 ]
}

@test "an unknown account exits 78 with the seed's message" {
	run -78 --separate-stderr deploy --account nobody --destination lite --connection c1
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[ "$stderr" = "Error: Account name not found in config.json" ]
	run -78 --separate-stderr deploy --account acme --destination nowhere --connection c1
	[ "$stderr" = "Error: Destination name not found in config.json" ]
	run -78 --separate-stderr deploy --account acme --destination odd --connection c1
	[[ $stderr == *"type 'oracle'"* ]]
	[ "$(fake_count .)" -eq 0 ]
}

@test "no config.json anywhere above exits 78" {
	cd "$BATS_TEST_TMPDIR/home" 2>/dev/null || { mkdir -p "$BATS_TEST_TMPDIR/elsewhere"; cd "$BATS_TEST_TMPDIR/elsewhere"; }
	run -78 --separate-stderr deploy --yes
	[[ $stderr == *"no config.json"* ]]
}

@test "without a terminal a missing value exits 64 naming its flag" {
	run -64 --separate-stderr deploy --destination lite --connection c1
	[[ $stderr == *"--account"* ]]
	run -64 --separate-stderr deploy --account acme --connection c1
	[[ $stderr == *"--destination"* ]]
	run -64 --separate-stderr deploy --account acme --destination lite
	[[ $stderr == *"--connection"* ]]
	[ "$(fake_count .)" -eq 0 ]
}

@test "at a terminal it prompts with the seed's defaults" {
	command -v script >/dev/null || fail "script(1) from bsdutils is needed"
	# script(1) gives deploy.sh a terminal; the answers take the defaults but the account.
	run script -qec "bash '$DEPLOY' --print-cron" /dev/null <<<$'acme\nlite\n\n'
	assert_output --partial "Enter your Account Name [MDS_DATABRICKS_HOL]:"
	assert_output --partial "Enter your Destination Name [ADLS_UNITY_CATALOG]:"
	assert_output --partial "Enter a unique Connection Name [default-connection]:"
	assert_output --partial "--account acme --destination lite --connection default-connection"
}

@test "two concurrent runs of one connection: the second exits 75; with --wait it queues" {
	fake_fault '{"match": "^/3/movie/155$", "kind": "slow", "delay": 2}'
	deploy --account acme --destination lite --connection c1 >"$BATS_TEST_TMPDIR/first" 2>&1 &
	first=$!
	for _ in $(seq 100); do
		[ "$(fake_count '^/3/movie/155$')" -ge 1 ] && break
		sleep 0.05
	done
	run -75 --separate-stderr deploy --account acme --destination lite --connection c1
	[[ $stderr == *"'c1' is already syncing"* ]]
	run --separate-stderr deploy --account acme --destination lite --connection c1 --wait
	assert_success
	wait "$first"
	[ "$(movies_in)" -eq 13 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/project/warehouse/tmdb.db" 'SELECT count(*) FROM reviews')" -eq \
		"$(jq '[.person_525_director_movie_ids[] as $id | .review_counts[$id | tostring]] | add' "$FACTS")" ]
}

@test "--schedule twice leaves one crontab line; --print-cron shows it without installing" {
	use_crontab_shim
	printf '# keep me\n5 4 * * * /usr/bin/true\n' >"$crontab_file"
	run --separate-stderr deploy --account acme --destination lite --connection c1 --schedule '*/30 * * * *'
	assert_success
	run --separate-stderr deploy --account acme --destination lite --connection c1 --schedule '0 * * * *'
	assert_success
	[ "$(grep -c 'tmdb-toolkit:c1' "$crontab_file")" -eq 1 ]
	grep -q '^0 \* \* \* \* cd .*deploy.sh --run --yes --account acme --destination lite --connection c1' "$crontab_file"
	grep -q '^5 4 \* \* \* /usr/bin/true$' "$crontab_file"
	run ! grep -q -- "$FAKE_API_KEY" "$crontab_file"
	cp "$crontab_file" "$BATS_TEST_TMPDIR/before"
	run --separate-stderr deploy --account acme --destination lite --connection c1 --print-cron
	assert_success
	assert_output --regexp '^0 \* \* \* \* cd .* # tmdb-toolkit:c1$'
	cmp "$crontab_file" "$BATS_TEST_TMPDIR/before"
	[ "$(fake_count .)" -eq 0 ]
}

@test "a failed sync exits non-zero and keeps the connection's state" {
	deploy --account acme --destination lite --connection c1 >/dev/null 2>&1
	cp "$TMDB_DEPLOY_HOME/c1/state.json" "$BATS_TEST_TMPDIR/state.before"
	fake_resource "$(jq -c '{path: "movie/155", json: (.budget = 1)}' "$BATS_TEST_DIRNAME/fixtures/tmdb/movie/155.json")"
	fake_fault '{"match": "^/3/movie/155$", "kind": "status", "status": 502, "times": 4}'
	run --separate-stderr deploy --account acme --destination lite --connection c1
	assert_failure
	cmp "$TMDB_DEPLOY_HOME/c1/state.json" "$BATS_TEST_TMPDIR/state.before"
	# The unfinished sync is noted in the connection's folder; the next run resumes it.
	started=$(<"$TMDB_DEPLOY_HOME/c1/sync.started")
	[[ $started =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]
	run --separate-stderr deploy --account acme --destination lite --connection c1
	assert_success
	assert_output --partial "Resuming the sync started at $started"
	[ ! -e "$TMDB_DEPLOY_HOME/c1/sync.started" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/project/warehouse/tmdb.db" "SELECT budget FROM movies WHERE movie_id = '155'")" -eq 1 ]
}

@test "the shipped example config.json works once its key is filled in" {
	mkdir -p "$BATS_TEST_TMPDIR/example"
	jq --arg key "$FAKE_API_KEY" '.tmdb.api_keys.MDS_DATABRICKS_HOL = $key' \
		"$BATS_TEST_DIRNAME/../pipelines/config.example.json" >"$BATS_TEST_TMPDIR/example/config.json"
	cd "$BATS_TEST_TMPDIR/example"
	run --separate-stderr deploy --yes --destination local
	assert_success
	[ "$(sqlite3 files/warehouse.db 'SELECT count(*) FROM movies')" -eq 13 ]
}

# use_crontab_shim: TMDB_CRONTAB points at a shim keeping the crontab in $crontab_file.
use_crontab_shim() {
	crontab_file="$BATS_TEST_TMPDIR/crontab"
	: >"$crontab_file"
	local shim="$BATS_TEST_TMPDIR/crontab-shim"
	# shellcheck disable=SC2016 # $1 is the shim's own argument
	printf '#!/bin/sh\ncase "$1" in -l) cat "%s" ;; -) cat >"%s" ;; esac\n' "$crontab_file" "$crontab_file" >"$shim"
	chmod +x "$shim"
	export TMDB_CRONTAB="$shim"
}

@test "scheduling one connection keeps the line of another whose name starts the same" {
	use_crontab_shim
	run --separate-stderr deploy --account acme --destination lite --connection prod-eu --schedule '0 4 * * *'
	assert_success
	run --separate-stderr deploy --account acme --destination lite --connection prod --schedule '0 5 * * *'
	assert_success
	run --separate-stderr deploy --account acme --destination lite --connection prod --schedule '0 6 * * *'
	assert_success
	[ "$(grep -c ' # tmdb-toolkit:prod-eu$' "$crontab_file")" -eq 1 ] || fail "$(cat "$crontab_file")"
	[ "$(grep -c ' # tmdb-toolkit:prod$' "$crontab_file")" -eq 1 ] || fail "$(cat "$crontab_file")"
	grep -q '^0 6 .* # tmdb-toolkit:prod$' "$crontab_file"
	grep -q '^0 4 .* # tmdb-toolkit:prod-eu$' "$crontab_file"
}

@test "--unschedule removes the connection's line only" {
	use_crontab_shim
	printf '# keep me\n5 4 * * * /usr/bin/true\n' >"$crontab_file"
	deploy --account acme --destination lite --connection prod-eu --schedule '0 4 * * *' >/dev/null
	deploy --account acme --destination lite --connection prod --schedule '0 5 * * *' >/dev/null
	run --separate-stderr deploy --connection prod --unschedule
	assert_success
	run -1 grep -q 'tmdb-toolkit:prod$' "$crontab_file"
	grep -q '^5 4 \* \* \* /usr/bin/true$' "$crontab_file"
	grep -q '^# keep me$' "$crontab_file"
	grep -q ' # tmdb-toolkit:prod-eu$' "$crontab_file"
	[ "$(jq -r '.cron' "$TMDB_DEPLOY_HOME/prod/settings.json")" = null ]
	# Nothing left to remove: said, and not an error.
	run --separate-stderr deploy --connection prod --unschedule
	assert_success
	[[ $output == *"no crontab entry"* ]]
}

@test "the cron line carries TMDB_DEPLOY_HOME: a cron run writes state and logs where --schedule said" {
	use_crontab_shim
	run --separate-stderr deploy --account acme --destination lite --connection c1 --schedule '0 3 * * *'
	assert_success
	line=$(grep ' # tmdb-toolkit:c1$' "$crontab_file")
	command=$(cut -d' ' -f6- <<<"$line")
	# What cron does: sh -c, another HOME, none of this shell's XDG or TMDB_DEPLOY_HOME.
	mkdir "$BATS_TEST_TMPDIR/cronhome"
	env -u TMDB_DEPLOY_HOME -u XDG_STATE_HOME HOME="$BATS_TEST_TMPDIR/cronhome" sh -c "$command"
	[ -s "$TMDB_DEPLOY_HOME/c1/cron.log" ]
	[ -s "$TMDB_DEPLOY_HOME/c1/sync.log" ] || fail "no sync.log beside cron.log: $(cat "$TMDB_DEPLOY_HOME/c1/cron.log")"
	[ -f "$TMDB_DEPLOY_HOME/c1/state.json" ]
	[ -z "$(find "$BATS_TEST_TMPDIR/cronhome" -mindepth 1)" ]
	[ "$(movies_in)" -eq 13 ]
}

@test "--schedule refuses what is not a cron schedule, with 64, before touching anything" {
	use_crontab_shim
	for bad in daily '99 3 * * *' '15 3 * *' '15 3 * * * *' '* 24 * * *' '0 0 0 * *' '0 0 * 13 *' \
		'0 0 * * 8' '*/0 * * * *' '5-1 * * * *' '1,,2 * * * *' '@reboot' 'x * * * *' '0 0 * foo *'; do
		run -64 --separate-stderr deploy --account acme --destination lite --connection c1 --schedule "$bad"
		[[ $stderr == *"$bad"* ]] || fail "the error does not name '$bad': $stderr"
	done
	[ ! -s "$crontab_file" ]
	[ ! -e "$TMDB_DEPLOY_HOME/c1" ]
	for good in '*/15 1-5 * jan,Feb mon-fri' '0 0 1,15 * 0' '30 2 * * 7' '0 */2 1-31/2 1-12 sun' \
		@hourly @daily @midnight @weekly @monthly @yearly @annually; do
		run --separate-stderr deploy --account acme --destination lite --connection c1 --schedule "$good"
		assert_success
		grep -qF "$good cd " "$crontab_file" || fail "'$good' not installed: $(cat "$crontab_file")"
	done
}

@test "--print-cron creates nothing" {
	run --separate-stderr deploy --account acme --destination lite --connection fresh --print-cron
	assert_success
	[ ! -e "$TMDB_DEPLOY_HOME/fresh" ]
	[ ! -e "$BATS_TEST_TMPDIR/project/warehouse" ]
}

@test "the credential reaches tmdb-fetch alone, not tmdb-shape, tmdb-load, tee or jq" {
	mkdir "$BATS_TEST_TMPDIR/wrapped" "$BATS_TEST_TMPDIR/env"
	for program in tmdb-fetch tmdb-director tmdb-shape tmdb-load jq tee; do
		real=$(PATH="$TMDB_BIN:$PATH" command -v "$program")
		printf '#!/bin/sh\nenv >>"%s/%s"\nexec "%s" "$@"\n' "$BATS_TEST_TMPDIR/env" "$program" "$real" \
			>"$BATS_TEST_TMPDIR/wrapped/$program"
		chmod +x "$BATS_TEST_TMPDIR/wrapped/$program"
	done
	TMDB_BIN=$BATS_TEST_TMPDIR/wrapped run --separate-stderr deploy --account acme --destination lite --connection c1
	assert_success
	[ "$(movies_in)" -eq 13 ]
	grep -q "^TMDB_API_KEY=$FAKE_API_KEY\$" "$BATS_TEST_TMPDIR/env/tmdb-fetch"
	for program in tmdb-director tmdb-shape tmdb-load jq tee; do
		[ -s "$BATS_TEST_TMPDIR/env/$program" ] || fail "$program did not run through its wrapper"
		# The suite's own FAKE_* variables aside, no variable holds the key.
		run grep -v "^FAKE_" "$BATS_TEST_TMPDIR/env/$program"
		[[ $output != *"$FAKE_API_KEY"* && $output != *"$FAKE_TOKEN"* ]] || fail "$program got the credential"
	done
}

@test "a malformed config.json: one line naming the file, exit 78" {
	printf '{"tmdb": {"api_keys": {"acme": "k"}},\n "destinations": {' >"$BATS_TEST_TMPDIR/project/config.json"
	run -78 --separate-stderr deploy --account acme --destination lite --connection c1
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
	[[ $stderr == *"$BATS_TEST_TMPDIR/project/config.json"* ]]
	[[ $stderr == "deploy.sh: "* ]]
	echo '[1, 2]' >"$BATS_TEST_TMPDIR/project/config.json"
	run -78 --separate-stderr deploy --account acme --destination lite --connection c1
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "more than one line: $stderr"
	[[ $stderr == *"config.json"* ]]
}

@test "--director that is neither a positive id nor a name exits 64 before anything" {
	run -64 --separate-stderr deploy --account acme --destination lite --connection c1 --director -5
	[[ $stderr == "deploy.sh: --director '-5'"* ]] || fail "$stderr"
	[ ! -e "$TMDB_DEPLOY_HOME" ]
	[ "$(fake_count .)" -eq 0 ]
}

@test "a usage error is the error and one line pointing at --help" {
	for args in --nonsense --account "--schedule daily"; do
		# shellcheck disable=SC2086
		run -64 --separate-stderr deploy $args
		[ "${#stderr_lines[@]}" -le 3 ] || fail "$args: ${#stderr_lines[@]} lines: $stderr"
		[[ ${stderr_lines[0]} == "deploy.sh: "* ]] || fail "$args: $stderr"
		[[ ${stderr_lines[-1]} == *"deploy.sh --help"* ]] || fail "$args: $stderr"
		assert_output ""
	done
	run -64 --separate-stderr deploy --nonsense
	[ "${stderr_lines[0]}" = "deploy.sh: unknown option '--nonsense'" ]
}
