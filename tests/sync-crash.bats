#!/usr/bin/env bats
# A 100-movie sync through debug.sh killed with SIGKILL (the whole process group) at random
# moments: each time the warehouse is whole, the state names nothing it lacks, and the next
# incremental run brings it equal to a clean sync of the source.

load test_helper

KILLS=8
SEED=20261129
PERSON=7600000
DEBUG="$BATS_TEST_DIRNAME/../pipelines/debug.sh"

setup_file() {
	FAKE_FIXTURES="$BATS_FILE_TMPDIR/fixtures"
	python3 "$BATS_TEST_DIRNAME/../bench/make_synthetic.py" "$FAKE_FIXTURES" --people 1 --movies 100 >/dev/null
	export FAKE_FIXTURES
	start_fake_tmdb
	REF="$BATS_FILE_TMPDIR/reference"
	mkdir -p "$REF"
	local started=$EPOCHREALTIME
	(cd "$REF" && bash "$DEBUG" --director "$PERSON" >/dev/null 2>&1)
	echo $(((${EPOCHREALTIME/./} - ${started/./}) / 1000)) >"$BATS_FILE_TMPDIR/run-ms"
	dump "$REF/files/warehouse.db" >"$REF/dump"
	export REF
}

teardown_file() {
	stop_fake_tmdb
}

dump() {
	local table
	for table in movies credits reviews crew genres memberships sync_state; do
		echo "== $table"
		sqlite3 "$1" "SELECT $(dump_columns "$table") FROM \"$table\" ORDER BY 1, 2"
	done
}

# The reference is a clean sync of the source: all 100 movies, each a member.
assert_reference_whole() {
	[ "$(sqlite3 "$REF/files/warehouse.db" 'SELECT count(*) FROM movies')" -eq 100 ] || fail "the reference lacks movies"
	[ "$(sqlite3 "$REF/files/warehouse.db" 'SELECT count(*) FROM memberships')" -eq 100 ] || fail "the reference lacks members"
}

@test "the reference sync holds the 100 movies" {
	assert_reference_whole
}

@test "debug.sh killed $KILLS times at random moments: whole, the state never ahead, and the next incremental run equals the source" {
	local run_ms span kill_no delay_ms pgid mode have claimed
	local -a problems=()
	assert_reference_whole	# "equals the source" compares with it
	run_ms=$(<"$BATS_FILE_TMPDIR/run-ms")
	span=$((run_ms * 12 / 10 + 1))
	RANDOM=$SEED
	cd "$BATS_TEST_TMPDIR"
	for ((kill_no = 1; kill_no <= KILLS; kill_no++)); do
		fake_reset
		delay_ms=$((((RANDOM << 15) | RANDOM) % span))
		# Odd kills hit a full run (a fresh warehouse built beside), even ones an
		# incremental run into a warehouse that lost half its movies.
		if ((kill_no % 2)); then
			mode=()
		else
			mode=(--incremental)
			sqlite3 files/warehouse.db 'DELETE FROM movies WHERE rowid % 2 = 0' 2>/dev/null || true
		fi
		setsid bash "$DEBUG" --director "$PERSON" "${mode[@]}" >/dev/null 2>&1 3>&- &
		pgid=$!
		sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
		kill -KILL -- "-$pgid" 2>/dev/null || true
		wait "$pgid" || true
		local what="kill $kill_no (${mode[*]:-full}) after $delay_ms ms"
		if [[ -e files/warehouse.db ]]; then
			[[ $(sqlite3 files/warehouse.db 'PRAGMA integrity_check') == ok ]] ||
				problems+=("$what: the warehouse is damaged")
			have=$(sqlite3 files/warehouse.db 'SELECT movie_id FROM movies' | sort -u)
			claimed=$(tmdb-load --print-state sqlite files/warehouse.db |
				jq -r '(.etags | keys[] | capture("^/movie/(?<id>[0-9]+)").id), .members[].movie_id' | sort -u)
			[[ -z $(comm -13 <(echo "$have") <(echo "$claimed") | sed '/^$/d') ]] ||
				problems+=("$what: the state claims movies the warehouse lacks")
			# Whole movies: every movie held has its cast.
			[[ $(sqlite3 files/warehouse.db 'SELECT count(*) FROM movies m WHERE NOT EXISTS
				(SELECT 1 FROM credits c WHERE c.movie_id = m.movie_id)') == 0 ]] ||
				problems+=("$what: a movie without its cast")
		fi
		if ! bash "$DEBUG" --director "$PERSON" --incremental >next.out 2>&1; then
			problems+=("$what: the next run failed: $(tail -3 next.out)")
			continue
		fi
		dump files/warehouse.db | diff -q "$REF/dump" - >/dev/null ||
			problems+=("$what: the next incremental run did not bring the warehouse equal to the source")
	done
	if ((${#problems[@]})); then
		fail "$(printf '%s\n' "${problems[@]}")"
	fi
}
