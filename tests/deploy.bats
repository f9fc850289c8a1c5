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
	[ -s "$BATS_TEST_TMPDIR/project/warehouse/csv/movies.csv" ]
	[ -s "$BATS_TEST_TMPDIR/project/warehouse/csv/crew.csv" ] && [ -s "$BATS_TEST_TMPDIR/project/warehouse/csv/genres.csv" ]
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
	crontab_file="$BATS_TEST_TMPDIR/crontab"
	printf '# keep me\n5 4 * * * /usr/bin/true\n' >"$crontab_file"
	shim="$BATS_TEST_TMPDIR/crontab-shim"
	# shellcheck disable=SC2016 # $1 is the shim's own argument
	printf '#!/bin/sh\ncase "$1" in -l) cat "%s" ;; -) cat >"%s" ;; esac\n' "$crontab_file" "$crontab_file" >"$shim"
	chmod +x "$shim"
	export TMDB_CRONTAB="$shim"
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
