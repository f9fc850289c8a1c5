#!/usr/bin/env bats
# The fuzz targets (tests/fuzz/), built with libFuzzer and the sanitizers, each run once
# over its seed corpus and every regression input: a crash fuzzing found stays fixed.
# No fuzzing time is spent here; `make fuzz` does that.

load test_helper

setup_file() {
	load test_helper
	runtime=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)
	if [[ ! -f $runtime ]]; then
		echo "fuzz.bats: clang's libFuzzer runtime is missing: run tests/deps.sh (libclang-rt-14-dev)" >&3
		return 1
	fi
	targets=()
	for source in "$PROJECT_ROOT"/tests/fuzz/*.c; do
		name=$(basename "$source" .c)
		[[ $name == fuzz ]] || targets+=("build/fuzz/$name")
	done
	make -C "$PROJECT_ROOT" --no-print-directory -j2 "${targets[@]}" >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
		{ tail -30 "$BATS_FILE_TMPDIR/build.log" >&3; return 1; }
}

# Runs TARGET once over each input of its corpus and its regressions.
run_target() {
	local target=$1 dirs=()
	for dir in "$PROJECT_ROOT/tests/fuzz/corpus/$target" "$PROJECT_ROOT/tests/fuzz/regressions/$target"; do
		[[ -d $dir ]] && dirs+=("$dir")
	done
	[[ ${#dirs[@]} -gt 0 ]] || fail "$target: no seed corpus in tests/fuzz/corpus/$target"
	TMPDIR="$BATS_TEST_TMPDIR" run "$PROJECT_ROOT/build/fuzz/$target" -runs=0 "${dirs[@]}"
	assert_success
	assert_output --partial "DONE"
}

@test "every fuzz target has a seed corpus and a test here, and every regression a target" {
	for source in "$PROJECT_ROOT"/tests/fuzz/*.c; do
		name=$(basename "$source" .c)
		[[ $name == fuzz ]] && continue
		[[ -n $(ls "$PROJECT_ROOT/tests/fuzz/corpus/$name") ]] || fail "$name: empty seed corpus"
		grep -q "{ run_target $name; }" "$BATS_TEST_FILENAME" || fail "$name: no test in fuzz.bats"
	done
	for dir in "$PROJECT_ROOT"/tests/fuzz/regressions/*/; do
		[[ -d $dir ]] || continue
		[[ -f "$PROJECT_ROOT/tests/fuzz/$(basename "$dir").c" ]] || fail "$dir: no such target"
	done
}

@test "fuzz target cred: the --config reader" { run_target cred; }
@test "fuzz target csv: the CSV reader" { run_target csv; }
@test "fuzz target csv_merge: the CSV merge of an existing file" { run_target csv_merge; }
@test "fuzz target director: tmdb-director's input" { run_target director; }
@test "fuzz target fetch_ids: tmdb-fetch's ID lines" { run_target fetch_ids; }
@test "fuzz target http_exchange: a response through libcurl and lib/http.c" { run_target http_exchange; }
@test "fuzz target http_headers: the ETag callback and the classification of a response" { run_target http_headers; }
@test "fuzz target jdoc: the fast JSON parser against Jansson" { run_target jdoc; }
@test "fuzz target json_write: the JSON writer round trip" { run_target json_write; }
@test "fuzz target mask: credential masking" { run_target mask; }
@test "fuzz target record: the replay folder" { run_target record; }
@test "fuzz target rows: tmdb-load's input" { run_target rows; }
@test "fuzz target shape: tmdb-shape's input" { run_target shape; }
@test "fuzz target state: the state file" { run_target state; }
