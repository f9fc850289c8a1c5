#!/usr/bin/env bats
# Secret hygiene: the API key and the access token, given each way (TMDB_API_KEY,
# TMDB_ACCESS_TOKEN, --config with either), appear in nothing the toolkit writes or shows:
# not on stdout or stderr at -vvv, with retries, refusals and not-found answers; not in
# recordings, state files, logs, databases, CSV files, charts or crontab lines; not in the
# argument list of any process of a pipeline while a request is in flight. The credential
# stores themselves (configuration.json, config.json, and debug.sh's copy of the former, as
# the seed made it) are the only files allowed to hold them.

# The fake TMDB's setup_file and teardown_file; then hardening/common's fake_ctl.
load with_fake_tmdb
load hardening/common

DEBUG="$BATS_TEST_DIRNAME/../pipelines/debug.sh"
DEPLOY="$BATS_TEST_DIRNAME/../pipelines/deploy.sh"
REPORT="$BATS_TEST_DIRNAME/../pipelines/report.sh"

setup() {
	fake_reset
	cd "$BATS_TEST_TMPDIR" || return
	mkdir -p out
}

# leaks DIR: each file under DIR (databases also as their SQL dump) that holds the key or
# the token, but the credential stores; nothing when there is none.
leaks() {
	grep -rlaF -e "$FAKE_API_KEY" -e "$FAKE_TOKEN" --exclude=configuration.json --exclude=config.json "$1" || true
	local db
	while IFS= read -r -d '' db; do
		if sqlite3 "$db" .dump | grep -qaF -e "$FAKE_API_KEY" -e "$FAKE_TOKEN"; then
			echo "$db (its .dump)"
		fi
	done < <(find "$1" -name '*.db' -print0)
}

# shellcheck disable=SC2120 # the folder is optional
assert_no_leaks() {
	local found
	found=$(leaks "${1:-$BATS_TEST_TMPDIR}")
	[[ -z $found ]] || fail "the key or the token is in:
$found"
}

# use_credential WAY: the credential for the next tmdb-fetch runs, in the array `cred`
# (options) and the environment.
use_credential() {
	unset TMDB_API_KEY TMDB_ACCESS_TOKEN
	cred=()
	case $1 in
	env-key) export TMDB_API_KEY=$FAKE_API_KEY ;;
	env-token) export TMDB_ACCESS_TOKEN=$FAKE_TOKEN ;;
	config-key)
		printf '{"api_key": "%s"}\n' "$FAKE_API_KEY" >configuration.json
		chmod 600 configuration.json
		cred=(--config configuration.json) ;;
	config-token)
		printf '{"access_token": "%s"}\n' "$FAKE_TOKEN" >configuration.json
		chmod 600 configuration.json
		cred=(--config configuration.json) ;;
	esac
}

# fetch NAME STATUS ARGS...: tmdb-fetch -vvv with the credential, its stdout and stderr kept
# in out/NAME.*; fails unless it exits STATUS.
fetch() {
	local name=$1 expect=$2 status=0
	shift 2
	tmdb-fetch -vvv "${cred[@]}" "$@" >"out/$name.out" 2>"out/$name.err" || status=$?
	((status == expect)) || fail "$name: exit $status, expected $expect: $(cat "out/$name.err")"
}

@test "tmdb-fetch at -vvv, with every credential way, retries, 401 and 404: no key or token in any output or file" {
	for way in env-key env-token config-key config-token; do
		fake_reset
		use_credential "$way"
		fake_fault '{"match": "^/3/person/525/movie_credits$", "kind": "status", "status": 429, "retry_after": "0"}'
		fake_fault '{"match": "^/3/movie/550$", "kind": "status", "status": 500}'
		fake_fault '{"match": "^/3/movie/155/reviews$", "kind": "reset"}'
		fake_fault '{"match": "^/3/search/person$", "kind": "status", "status": 503}'
		fetch "$way-person" 0 --record rec-$way --state-out out/$way-person.state person 525
		fetch "$way-movies" 0 --summary --record rec-$way --state-out out/$way-movies.state \
			--rate-file out/$way.rate movie 155 550
		fetch "$way-again" 0 --state out/$way-movies.state --state-out out/$way-again.state movie 155 550
		fetch "$way-search" 0 search Christopher Nolan
		fetch "$way-get" 0 get /movie/550/credits
		fetch "$way-404" 0 movie 999999999
		fake_fault '{"match": "^/3/movie/27205$", "kind": "status", "status": 401, "times": 9}'
		fetch "$way-401" 77 movie 27205
		fake_reset
		fake_fault '{"match": "^/3/movie/27205$", "kind": "status", "status": 503, "times": 9}'
		fetch "$way-503" 69 --retries 1 movie 27205
		# The runs did what they should have logged: requests, headers, retries, refusals.
		grep -q 'retry 1 of 3' "out/$way-person.err"
		grep -q '> GET /3/movie/155' "out/$way-movies.err"
		grep -q 'If-None-Match' "out/$way-again.err"
		grep -q 'refused the credentials' "out/$way-401.err"
		[ -s "out/$way-movies.state" ] && [ -s "out/$way.rate" ] && [ -n "$(find "rec-$way" -name '*.json')" ]
	done
	# The search can fail: the credential stores hold the secrets it looks for.
	grep -qF "$FAKE_TOKEN" configuration.json
	grep -rqaF -e "$FAKE_API_KEY" -e "$FAKE_TOKEN" .
	assert_no_leaks
	# Masked as the contract says, not merely missing: both kinds of credential were logged.
	grep -q 'api_key=\*\*\*' out/env-key-movies.err
	grep -q 'Authorization: Bearer \*\*\*' out/env-token-movies.err
}

@test "a credential is in no process's argument list while a request is in flight: tmdb-fetch, debug.sh, deploy.sh" {
	# tmdb-fetch alone, the key in the environment.
	use_credential env-key
	# Each slow answer waits until the processes have been looked at.
	hold_answer '^/3/movie/550$' looked-fetch
	tmdb-fetch -vvv movie 550 >out/fetch.out 2>out/fetch.err 3>&- &
	pid=$!
	wait_for_request '^/3/movie/550$'
	cmdlines_of "$pid" >out/fetch.cmdlines
	touch looked-fetch
	wait "$pid"
	grep -q 'tmdb-fetch -vvv movie 550' out/fetch.cmdlines

	# debug.sh: configuration.json in the folder, every stage of the pipeline running.
	fake_reset
	use_credential config-key
	unset TMDB_API_KEY
	hold_answer '^/3/movie/27205$' looked-debug
	bash "$DEBUG" >out/debug.out 2>out/debug.err 3>&- &
	pid=$!
	wait_for_request '^/3/movie/27205$'
	cmdlines_of "$pid" >out/debug.cmdlines
	touch looked-debug
	wait "$pid"
	grep -q 'tmdb-fetch --config configuration.json --summary .*movie' out/debug.cmdlines
	grep -q 'tmdb-load sqlite files/warehouse.db' out/debug.cmdlines

	# deploy.sh: the token in config.json, handed to tmdb-fetch through the environment.
	fake_reset
	mkdir -p project
	jq -n --rawfile token <(printf '%s' "$FAKE_TOKEN") \
		'{tmdb: {access_tokens: {acme: $token}}, destinations: {lite: {type: "sqlite", path: "w.db"}}}' \
		>project/config.json
	chmod 600 project/config.json
	hold_answer '^/3/movie/27205$' looked-deploy
	(cd project && TMDB_DEPLOY_HOME="$BATS_TEST_TMPDIR/home" bash "$DEPLOY" --account acme \
		--destination lite --connection c1 </dev/null >../out/deploy.out 2>../out/deploy.err 3>&-) &
	pid=$!
	wait_for_request '^/3/movie/27205$'
	cmdlines_of "$pid" >out/deploy.cmdlines
	touch looked-deploy
	wait "$pid"
	grep -q 'tmdb-fetch .*movie' out/deploy.cmdlines

	for list in out/*.cmdlines; do
		! grep -qF -e "$FAKE_API_KEY" -e "$FAKE_TOKEN" "$list" || fail "a credential in an argument list: $(cat "$list")"
	done
	assert_no_leaks
}

@test "debug.sh (twice, with faults), report.sh and deploy.sh into SQLite and CSV, with its cron line: no key or token in any output or file" {
	use_credential config-key
	unset TMDB_API_KEY
	fake_fault '{"match": "^/3/movie/155$", "kind": "status", "status": 429, "retry_after": "0"}'
	fake_fault '{"match": "^/3/movie/155/reviews$", "kind": "status", "status": 500}'
	bash "$DEBUG" >out/debug1.out 2>out/debug1.err
	fake_fault '{"match": "^/3/movie/27205$", "kind": "status", "status": 401, "times": 9}'
	run -77 --separate-stderr bash "$DEBUG" --incremental
	printf '%s\n' "$output" >out/debug2.out
	printf '%s\n' "$stderr" >out/debug2.err
	[[ $stderr == *"refused the credentials"* ]]
	bash "$REPORT" --out report files/warehouse.db >out/report.out 2>out/report.err
	# The token from the environment, into CSV files, in a folder with no configuration.json.
	fake_reset
	use_credential env-token
	mkdir token-run
	(cd token-run && bash "$DEBUG" --csv csv) >out/debug3.out 2>out/debug3.err
	[ -s files/warehouse.db ] && [ -s token-run/csv/reviews.csv ] && [ -s report/index.html ]

	unset TMDB_API_KEY TMDB_ACCESS_TOKEN
	mkdir -p project
	jq -n --rawfile key <(printf '%s' "$FAKE_API_KEY") --rawfile token <(printf '%s' "$FAKE_TOKEN") \
		'{tmdb: {api_keys: {acme: $key}, access_tokens: {beta: $token}},
		  destinations: {lite: {type: "sqlite", path: "w.db"}, flat: {type: "csv", dir: "csv"}}}' \
		>project/config.json
	chmod 600 project/config.json
	# shellcheck disable=SC2016 # $1 is the shim's own argument
	printf '#!/bin/sh\n[ "$1" = -l ] && exec cat "%s/crontab" 2>/dev/null\ncat >"%s/crontab"\n' \
		"$BATS_TEST_TMPDIR" "$BATS_TEST_TMPDIR" >crontab-shim
	chmod +x crontab-shim
	export TMDB_DEPLOY_HOME="$BATS_TEST_TMPDIR/home" TMDB_CRONTAB="$BATS_TEST_TMPDIR/crontab-shim"
	fake_fault '{"match": "^/3/movie/1124$", "kind": "status", "status": 503}'
	(cd project && bash "$DEPLOY" --account acme --destination lite --connection c1 </dev/null) \
		>out/deploy1.out 2>out/deploy1.err
	(cd project && bash "$DEPLOY" --account beta --destination flat --connection c2 </dev/null) \
		>out/deploy2.out 2>out/deploy2.err
	(cd project && bash "$DEPLOY" --account acme --destination lite --connection c1 \
		--schedule '15 3 * * *' </dev/null) >out/deploy3.out 2>out/deploy3.err
	(cd project && bash "$DEPLOY" --account beta --destination flat --connection c2 --print-cron </dev/null) \
		>out/deploy4.out 2>out/deploy4.err
	[ -s project/w.db ] && [ -s project/csv/movies.csv ] && [ -s home/c1/sync.log ] && [ -s crontab ]
	grep -q 'tmdb-toolkit:c1' crontab
	grep -qF "$FAKE_API_KEY" project/config.json
	assert_no_leaks
}

@test "a --config file that group or others may read draws a warning naming it; 600 does not, nor -q" {
	printf '{"api_key": "%s"}\n' "$FAKE_API_KEY" >configuration.json
	# The warning says who may read it: only the group, or others too.
	local mode who
	for mode in 644:"readable by others" 640:"readable by its group" 604:"readable by others" \
		660:"readable by its group" 620:"writable by its group" 602:"writable by others"; do
		who=${mode#*:} mode=${mode%%:*}
		chmod "$mode" configuration.json
		run --separate-stderr tmdb-fetch --config configuration.json person 525
		assert_success
		[ "$stderr" = "tmdb-fetch: configuration.json: $who; chmod 600 it" ] ||
			fail "mode $mode: $stderr"
	done
	chmod 600 configuration.json
	run --separate-stderr tmdb-fetch --config configuration.json person 525
	assert_success
	[ -z "$stderr" ]
	chmod 644 configuration.json
	run --separate-stderr tmdb-fetch -q --config configuration.json person 525
	assert_success
	[ -z "$stderr" ]
	# The environment is no file: nothing to warn about.
	run --separate-stderr tmdb-fetch person 525
	assert_success
	[ -z "$stderr" ]
}
