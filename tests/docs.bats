#!/usr/bin/env bats
# The documentation stays true: man pages lint clean and name every option --help lists.

load test_helper

# Every program in cmd/ must have its page.
mapfile -t PROGRAMS < <(cd "$PROJECT_ROOT/cmd" && ls -- *.c | sed 's/\.c$//')

long_options_of() {
	"$1" --help | grep -o -- '--[a-z][a-z-]*' | sort -u
}

@test "every program has --help, --version and a man page that lints clean" {
	[ "${#PROGRAMS[@]}" -ge 1 ]
	for program in "${PROGRAMS[@]}"; do
		run mandoc -T lint -W warning "$PROJECT_ROOT/man/$program.1"
		assert_success
		run "$program" --version
		assert_output --regexp "^$program [0-9]+\.[0-9]+\.[0-9]+\$"
		run --separate-stderr "$program" --help
		assert_success
		[[ $output == *usage:* && -z $stderr ]]
	done
}

@test "every option in --help is in the man page and the README" {
	for program in "${PROGRAMS[@]}"; do
		page=$(mandoc -T utf8 "$PROJECT_ROOT/man/$program.1" | col -b)
		while read -r option; do
			[[ $page == *"$option"* ]] || fail "$program: $option missing from man/$program.1"
			grep -q -- "$option" "$PROJECT_ROOT/README.md" || fail "$program: $option missing from README.md"
		done < <(long_options_of "$program")
	done
}

@test "the README opens with make demo and make test" {
	run grep -m2 -E '^ +make (demo|test)' "$PROJECT_ROOT/README.md"
	assert_success
	[ "${lines[0]}" != "${lines[1]}" ]
	[ "$(grep -n -m1 'make demo' "$PROJECT_ROOT/README.md" | cut -d: -f1)" -lt 5 ]
	[ "$(grep -n -m1 'make test' "$PROJECT_ROOT/README.md" | cut -d: -f1)" -lt 5 ]
}
