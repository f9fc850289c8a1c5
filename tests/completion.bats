#!/usr/bin/env bats
# pipelines/completion.bash: option values complete to what the option means, and the
# pipelines complete under the names README uses (pipelines/debug.sh) as well as installed.

load test_helper

setup() {
	# shellcheck source=/dev/null
	source "$PROJECT_ROOT/pipelines/completion.bash"
	export TMDB_DEPLOY_HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$BATS_TEST_TMPDIR/project/deeper"
	cat >"$BATS_TEST_TMPDIR/project/config.json" <<-'JSON'
		{"tmdb": {"api_keys": {"acme": "k"}, "access_tokens": {"beta": "t"}},
		 "fivetran": {"api_keys": {"MDS_DATABRICKS_HOL": "k"}},
		 "destinations": {"lite": {"type": "sqlite", "path": "w.db"},
		                  "flat": {"type": "csv", "dir": "csv"}}}
	JSON
	cd "$BATS_TEST_TMPDIR/project/deeper" || return 1
	# Files whose names would match if file names were offered.
	touch Producer.txt acme.txt lite.txt 525.txt nolan-file
}

# complete_line WORD...: COMPREPLY for the last WORD, as bash would ask.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_tmdb_toolkit
	reply=$(printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort | tr '\n' ' ')
	reply=${reply% }
}

@test "the pipelines complete under their script names too, also by path" {
	for name in debug.sh deploy.sh report.sh catalog.sh tmdb-debug tmdb-deploy tmdb-report tmdb-catalog tmdb-fetch; do
		complete -p "$name" >/dev/null || fail "nothing completes $name"
	done
	cd "$PROJECT_ROOT"
	complete_line pipelines/debug.sh --dir
	[ "$reply" = "--director" ] || fail "got '$reply'"
	complete_line "$PROJECT_ROOT/pipelines/deploy.sh" --unsch
	[ "$reply" = "--unschedule" ] || fail "got '$reply'"
	complete_line ./pipelines/report.sh --director-
	[ "$reply" = "--director-name" ] || fail "got '$reply'"
	complete_line pipelines/catalog.sh --ssh
	[ "$reply" = "--sshlogin" ] || fail "got '$reply'"
}

@test "--job completes crew jobs, not file names" {
	complete_line tmdb-director --job Prod
	[ "$reply" = 'Producer Production\ Design' ] || fail "got '$reply'"
	complete_line tmdb-director -j Exec
	[ "$reply" = 'Executive\ Producer' ] || fail "got '$reply'"
	complete_line debug.sh --job Dir
	[[ $reply == "Director"* ]] || fail "got '$reply'"
	[[ $reply != *.txt* ]] || fail "got '$reply'"
	complete_line deploy.sh --job Wri
	[ "$reply" = "Writer" ] || fail "got '$reply'"
}

@test "--account and --destination complete the names in the nearest config.json" {
	complete_line deploy.sh --account ''
	[ "$reply" = "MDS_DATABRICKS_HOL acme beta" ] || fail "got '$reply'"
	complete_line deploy.sh --account a
	[ "$reply" = "acme" ] || fail "got '$reply'"
	complete_line deploy.sh --yes --destination ''
	[ "$reply" = "flat lite" ] || fail "got '$reply'"
	# No config.json: nothing, rather than file names.
	cd "$BATS_TEST_TMPDIR"
	touch acme-file
	complete_line deploy.sh --account a
	[ "$reply" = "" ] || fail "got '$reply'"
}

@test "--connection completes the existing connections" {
	mkdir -p "$TMDB_DEPLOY_HOME/nolan" "$TMDB_DEPLOY_HOME/nightly" "$TMDB_DEPLOY_HOME/prod-eu"
	complete_line deploy.sh --connection n
	[ "$reply" = "nightly nolan" ] || fail "got '$reply'"
	complete_line tmdb-deploy --connection ''
	[ "$reply" = "nightly nolan prod-eu" ] || fail "got '$reply'"
}

@test "--director completes the people of the bundled sample, by id or name" {
	complete_line debug.sh --director ''
	[ "$reply" = '488 525 Christopher\ Nolan Steven\ Spielberg' ] || fail "got '$reply'"
	complete_line debug.sh --offline --director St
	[ "$reply" = 'Steven\ Spielberg' ] || fail "got '$reply'"
	complete_line deploy.sh --director 5
	[ "$reply" = "525" ] || fail "got '$reply'"
	complete_line report.sh --director-name Chr
	[ "$reply" = 'Christopher\ Nolan' ] || fail "got '$reply'"
}

@test "--schedule offers the cron nicknames" {
	complete_line deploy.sh --schedule @d
	[ "$reply" = "@daily" ] || fail "got '$reply'"
}

@test "what completed before still does: commands, options, files" {
	complete_line tmdb-fetch mo
	[ "$reply" = movie ]
	complete_line tmdb-fetch movie --st
	[ "$reply" = "--state --state-out --strict" ]
	complete_line tmdb-load sqlite nolan
	[ "$reply" = nolan-file ]
}
