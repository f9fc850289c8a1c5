#!/usr/bin/env bats
# make install / uninstall: PREFIX and DESTDIR honoured, and the installed pipeline runs
# against the fake TMDB with nothing but the installed files.

load with_fake_tmdb

setup() {
	fake_reset
	ROOT="$BATS_TEST_TMPDIR/root"
	make -C "$PROJECT_ROOT" --no-print-directory install DESTDIR="$ROOT" PREFIX=/usr >/dev/null
}

@test "install puts programs, pipelines, man pages and completion under DESTDIR/PREFIX" {
	for name in tmdb-fetch tmdb-director tmdb-shape tmdb-load tmdb-debug tmdb-deploy tmdb-report tmdb-catalog tap-tmdb; do
		[ -x "$ROOT/usr/bin/$name" ] || fail "no $name"
		[ -f "$ROOT/usr/share/man/man1/$name.1" ] || fail "no $name.1"
		man -l "$ROOT/usr/share/man/man1/$name.1" >/dev/null 2>&1 || fail "man -l $name.1"
		[ -e "$ROOT/usr/share/bash-completion/completions/$name" ] || fail "no completion for $name"
	done
	[ -f "$ROOT/usr/share/tmdb-toolkit/pipelines/sample/person/525/movie_credits/language=en-US.json" ]
}

@test "the installed pipeline runs on the installed files only" {
	cd "$BATS_TEST_TMPDIR"
	mkdir work && cd work
	# Only the installed bin/ and the system: the checkout's bin/ is not on PATH, nor named
	# by TMDB_BIN (which the suite sets for the programs under test).
	unset TMDB_BIN
	PATH="$ROOT/usr/bin:/usr/bin:/bin" run --separate-stderr "$ROOT/usr/bin/tmdb-debug" --director 525
	assert_success
	[ "$(sqlite3 files/warehouse.db 'SELECT count(*) FROM movies')" -eq 13 ]
	[ -f files/report/index.html ]
	PATH="$ROOT/usr/bin:/usr/bin:/bin" run "$ROOT/usr/bin/tmdb-debug" --version
	assert_output --regexp '^tmdb-debug [0-9.]+$'
	# The checkout's programs were not used: they would not be under $ROOT.
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	[[ $stderr != *"$PROJECT_ROOT/bin"* ]]
}

@test "completion offers a program's commands and the options its --help lists" {
	PATH="$ROOT/usr/bin:$PATH"
	# shellcheck source=/dev/null
	source "$ROOT/usr/share/bash-completion/completions/tmdb-fetch"
	COMP_WORDS=(tmdb-fetch mo)
	COMP_CWORD=1
	_tmdb_toolkit
	[ "${COMPREPLY[*]}" = movie ]
	COMP_WORDS=(tmdb-fetch movie --st)
	COMP_CWORD=2
	_tmdb_toolkit
	[ "${COMPREPLY[*]}" = "--state --state-out --strict" ]
	COMP_WORDS=(tmdb-load sq)
	COMP_CWORD=1
	_tmdb_toolkit
	[ "${COMPREPLY[*]}" = sqlite ]
}

@test "uninstall removes what install put there" {
	make -C "$PROJECT_ROOT" --no-print-directory uninstall DESTDIR="$ROOT" PREFIX=/usr >/dev/null
	run find "$ROOT" -type f -o -type l
	assert_output ""
}

@test "the installed tap-tmdb discovers with the installed programs, and says its name" {
	unset TMDB_BIN
	echo '{"people": [525]}' >"$BATS_TEST_TMPDIR/tap.json"
	PATH="$ROOT/usr/bin:/usr/bin:/bin" run --separate-stderr "$ROOT/usr/bin/tap-tmdb" --config "$BATS_TEST_TMPDIR/tap.json" --discover
	assert_success
	jq -e '.streams | length == 7' <<<"$output"
	PATH="$ROOT/usr/bin:/usr/bin:/bin" run "$ROOT/usr/bin/tap-tmdb" --version
	assert_output --regexp '^tap-tmdb [0-9.]+$'
}

@test "installed as tmdb-debug, tmdb-deploy, tmdb-report and tmdb-catalog, they say so in --help, --version and errors" {
	for name in tmdb-debug tmdb-deploy tmdb-report tmdb-catalog; do
		run --separate-stderr "$ROOT/usr/bin/$name" --version
		assert_success
		assert_output --regexp "^$name [0-9]+\.[0-9]+\.[0-9]+\$"
		run --separate-stderr "$ROOT/usr/bin/$name" --help
		assert_success
		assert_line --index 0 --regexp "^usage: $name "
		run -64 --separate-stderr "$ROOT/usr/bin/$name" --nonsense
		[[ ${stderr_lines[0]} == "$name: unknown option"* ]] || fail "$stderr"
		[[ ${stderr_lines[-1]} == *"'$name --help'"* ]] || fail "$stderr"
	done
	# Under their own names they keep them.
	run "$PROJECT_ROOT/pipelines/deploy.sh" --version
	assert_output --regexp '^deploy\.sh [0-9.]+$'
}

@test "the installed tmdb-report draws with its own query, chart scripts and templates" {
	local file
	for file in "$PROJECT_ROOT"/pipelines/report/*; do
		cmp "$file" "$ROOT/usr/share/tmdb-toolkit/pipelines/report/${file##*/}" || fail "${file##*/} not installed"
	done
	cd "$BATS_TEST_TMPDIR"
	printf '' | tmdb-load sqlite empty.db movies 2>/dev/null
	PATH="$ROOT/usr/bin:/usr/bin:/bin" run --separate-stderr "$ROOT/usr/bin/tmdb-report" --out charts empty.db
	assert_success
	assert_equal "${#lines[@]}" 8
	grep -q 'no films' charts/financial.svg
	# Without them it says so, rather than failing on the first one it runs.
	rm "$ROOT/usr/share/tmdb-toolkit/pipelines/report/financial.gp"
	PATH="$ROOT/usr/bin:/usr/bin:/bin" run --separate-stderr "$ROOT/usr/bin/tmdb-report" --out charts empty.db
	assert_failure 70
	# shellcheck disable=SC2154 # run --separate-stderr sets stderr
	assert_equal "$stderr" "tmdb-report: $ROOT/usr/share/tmdb-toolkit/pipelines/report/financial.gp: missing (is the toolkit installed whole?)"
}
