#!/usr/bin/env bats
# The documentation stays true: every program and pipeline has a man page that lints
# clean and names every option its --help lists, and every listed option is accepted.

load test_helper

# Every program in cmd/ and every pipeline must have its page: man/NAME.1 for a
# program, man/tmdb-NAME.1 for pipelines/NAME.sh (installed as tmdb-NAME), man/tap-NAME.1
# for pipelines/tap-NAME.sh (installed as tap-NAME, as Singer names taps).
mapfile -t PROGRAMS < <(cd "$PROJECT_ROOT/cmd" && printf '%s\n' *.c | sed 's/\.c$//')
mapfile -t PIPELINES < <(cd "$PROJECT_ROOT/pipelines" && printf '%s\n' *.sh | sed 's/\.sh$//')

# "COMMAND PAGE" pairs, where COMMAND is what to run.
commands_and_pages() {
	local program pipeline
	for program in "${PROGRAMS[@]}"; do
		echo "$program $PROJECT_ROOT/man/$program.1"
	done
	for pipeline in "${PIPELINES[@]}"; do
		if [[ $pipeline == tap-* ]]; then
			echo "$PROJECT_ROOT/pipelines/$pipeline.sh $PROJECT_ROOT/man/$pipeline.1"
		else
			echo "$PROJECT_ROOT/pipelines/$pipeline.sh $PROJECT_ROOT/man/tmdb-$pipeline.1"
		fi
	done
}

long_options_of() {
	"$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

@test "every program and pipeline has --help, --version and a man page that lints clean" {
	[ "${#PROGRAMS[@]}" -ge 4 ] && [ "${#PIPELINES[@]}" -ge 3 ]
	while read -r command page; do
		run mandoc -T lint -W warning "$page"
		assert_success
		run "$command" --version
		assert_output --regexp "^${command##*/} [0-9]+\.[0-9]+\.[0-9]+\$"
		run --separate-stderr "$command" --help
		assert_success
		[[ $output == *usage:* && -z $stderr ]] || fail "$command --help"
		man -l "$page" >/dev/null 2>&1 || fail "man -l cannot render $page"
	done < <(commands_and_pages)
}

@test "every option in --help is in the man page and the README" {
	while read -r command page; do
		text=$(mandoc -T utf8 "$page" | col -b)
		[ "$(long_options_of "$command" | wc -l)" -ge 2 ] || fail "$command --help lists no options"
		while read -r option; do
			[[ $text == *"$option"* ]] || fail "$command: $option missing from $page"
			grep -q -- "$option" "$PROJECT_ROOT/README.md" || fail "$command: $option missing from README.md"
		done < <(long_options_of "$command")
	done < <(commands_and_pages)
}

@test "every option in --help is accepted" {
	# OPTION [VALUE] --help must print the usage: an unknown option would exit 64 first.
	# Numbers where the usage names a count, a word elsewhere.
	while read -r command page; do
		[ "$("$command" --help | grep -c -- '^ *-')" -ge 2 ] || fail "$command --help lists no options"
		while read -r option metavar; do
			value=()
			case $metavar in
			"") ;;
			N | SECONDS | MS | R) value=(1) ;;
			*) value=(x) ;;
			esac
			run --separate-stderr "$command" "$option" "${value[@]}" --help
			[ "$status" -eq 0 ] || fail "$command $option ${value[*]}: exit $status: $stderr"
		done < <("$command" --help | sed -n -E 's/^ +(-[a-zA-Z], )?(--[a-z][a-z-]*)( [A-Z][A-Z|]*)?.*/\2\3/p')
	done < <(commands_and_pages)
}

@test "the README opens with make demo and make test" {
	run grep -m2 -E '^ +make (demo|test)' "$PROJECT_ROOT/README.md"
	assert_success
	[ "${lines[0]}" != "${lines[1]}" ]
	[ "$(grep -n -m1 'make demo' "$PROJECT_ROOT/README.md" | cut -d: -f1)" -lt 5 ]
	[ "$(grep -n -m1 'make test' "$PROJECT_ROOT/README.md" | cut -d: -f1)" -lt 5 ]
}

@test "the README puts bin/ on PATH before its first pipeline, and that line works" {
	readme=$PROJECT_ROOT/README.md
	path_line=$(grep -n -m1 -E '^ +export PATH=' "$readme") || fail "README has no export PATH= line"
	first_pipeline=$(grep -n -m1 -E '^ +tmdb-[a-z]+ .*\|' "$readme" | cut -d: -f1)
	[ "${path_line%%:*}" -lt "$first_pipeline" ] || fail "PATH is set on line ${path_line%%:*}, after the first pipeline on line $first_pipeline"
	# Run from the checkout, as README says, in a shell that has none of the programs.
	cd "$PROJECT_ROOT"
	# shellcheck disable=SC2016 # $program belongs to the inner shell
	run env PATH=/usr/bin:/bin bash -c "${path_line#*:}"'
		for program in tmdb-fetch tmdb-director tmdb-shape tmdb-load; do command -v "$program"; done'
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	for line in "${lines[@]}"; do
		[[ $line == "$TMDB_BIN/"* || $line == "$PROJECT_ROOT/bin/"* ]] || fail "$line"
	done
}

@test "the README says how to get completion and how to uninstall, and its completion line works" {
	grep -q 'make uninstall' "$PROJECT_ROOT/README.md"
	completion_line=$(grep -m1 -E '^ +(source|\.) .*completion\.bash' "$PROJECT_ROOT/README.md") ||
		fail "README does not say how to load pipelines/completion.bash"
	cd "$PROJECT_ROOT"
	run bash -c "${completion_line%%#*}"'
		complete -p debug.sh deploy.sh tmdb-fetch'
	assert_success
}
