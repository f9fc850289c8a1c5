#!/usr/bin/env bats
# Crash safety of tmdb-load sqlite: a load killed with SIGKILL at any moment leaves a database
# that passes PRAGMA integrity_check and holds exactly what it held before the load or exactly
# what the whole load gives, never anything in between; and a state promoted the way
# pipelines/sync.bash promotes it (renamed only once tmdb-load exited 0) is never ahead of it.

load hardening/common
load hardening/movies

KILLS=20
SEED=20251125

setup_file() {
	W="$BATS_FILE_TMPDIR/crash"
	mkdir -p "$W"
	export W
	make_movies 1400 before | tmdb-shape --all >"$W/before.stream"
	make_movies 2000 after | tmdb-shape --all >"$W/stream"
	tmdb-load -q sqlite "$W/before.db" <"$W/before.stream"
	cp "$W/before.db" "$W/after.db"
	local started=$EPOCHREALTIME
	tmdb-load -q sqlite "$W/after.db" <"$W/stream"
	# How long a whole load takes here (this build, this machine): the kills spread over it.
	echo $(((${EPOCHREALTIME/./} - ${started/./}) / 1000)) >"$W/load-ms"
	sqlite3 "$W/before.db" .dump >"$W/before.dump"
	sqlite3 "$W/after.db" .dump >"$W/after.dump"
	printf '{"etags": {"run": "before"}, "version": 1}\n' >"$W/state.before"
	printf '{"etags": {"run": "after"}, "version": 1}\n' >"$W/state.after"
}

@test "the input is large and the load changes every table: inserts, updates and deletes" {
	[ "$(sqlite3 "$W/after.db" 'SELECT count(*) FROM movies')" -eq 2000 ]
	[ "$(sqlite3 "$W/after.db" 'SELECT count(*) FROM credits')" -eq 60000 ]
	[ "$(sqlite3 "$W/after.db" 'SELECT count(*) FROM reviews')" -eq 10000 ]
	[ "$(sqlite3 "$W/before.db" 'SELECT count(*) FROM credits')" -eq 43400 ]
	[ "$(sqlite3 "$W/after.db" "SELECT count(*) FROM reviews WHERE content LIKE 'Before: %'")" -eq 0 ]
	[ "$(sqlite3 "$W/after.db" 'PRAGMA integrity_check')" = ok ]
	run ! cmp -s "$W/before.dump" "$W/after.dump"
}

@test "tmdb-load killed with SIGKILL $KILLS times over the load: the database is whole and either before or after; the state is never ahead" {
	local load_ms span kill_no delay_ms pid runner status db state outcome
	load_ms=$(<"$W/load-ms")
	span=$((load_ms * 12 / 10 + 1))	# a little past the end too: a kill that comes too late
	RANDOM=$SEED
	local -A seen=()
	local -a problems=()
	local mid_load=0
	for ((kill_no = 1; kill_no <= KILLS; kill_no++)); do
		delay_ms=$((((RANDOM << 15) | RANDOM) % span))
		db="$BATS_TEST_TMPDIR/warehouse.db"
		state="$BATS_TEST_TMPDIR/state.json"
		rm -f "$db" "$db-journal" "$BATS_TEST_TMPDIR/pid"
		cp "$W/before.db" "$db"
		cp "$W/state.before" "$state"
		cp "$W/state.after" "$state.next"
		# sync.bash's promotion: the new state is renamed only once the load exited 0.
		bash -c 'tmdb-load -q sqlite "$1" <"$2" & echo $! >"$3"; wait $! && mv "$4" "$5"' \
			_ "$db" "$W/stream" "$BATS_TEST_TMPDIR/pid" "$state.next" "$state" 3>&- &
		runner=$!
		for ((tries = 0; tries < 1000; tries++)); do
			[[ -s $BATS_TEST_TMPDIR/pid ]] && break
			sleep 0.01
		done
		pid=$(<"$BATS_TEST_TMPDIR/pid")
		sleep "$((delay_ms / 1000)).$(printf '%03d' $((delay_ms % 1000)))"
		kill -KILL "$pid" 2>/dev/null && mid_load=$((mid_load + 1))
		status=0
		wait "$runner" || status=$?
		# The next opener rolls a hot journal back; integrity_check is that opener.
		local check
		check=$(sqlite3 "$db" 'PRAGMA integrity_check' 2>&1)
		sqlite3 "$db" .dump >"$BATS_TEST_TMPDIR/dump"
		if cmp -s "$W/before.dump" "$BATS_TEST_TMPDIR/dump"; then
			outcome=before
		elif cmp -s "$W/after.dump" "$BATS_TEST_TMPDIR/dump"; then
			outcome=after
		else
			outcome=neither
		fi
		seen[$outcome]=$((${seen[$outcome]:-0} + 1))
		local what="kill $kill_no after ${delay_ms} ms (load exit $status)"
		[[ $check == ok ]] || problems+=("$what: integrity_check says: $check")
		[[ $outcome != neither ]] || problems+=("$what: the database is neither the before nor the after state")
		if cmp -s "$state" "$W/state.after"; then
			[[ $outcome == after ]] || problems+=("$what: the state was promoted but the load is not in the database")
			[[ $status == 0 ]] || problems+=("$what: the state was promoted after a load that exited $status")
		elif ! cmp -s "$state" "$W/state.before"; then
			problems+=("$what: the state file is neither the old nor the new one")
		fi
		[[ $status == 0 || $status == 137 ]] || problems+=("$what: tmdb-load exited $status, not 0 or 137 (SIGKILL)")
	done
	echo "# load $load_ms ms; $mid_load of $KILLS kills landed during the load; before ${seen[before]:-0}, after ${seen[after]:-0}" >&3
	if ((${#problems[@]})); then
		fail "$(printf '%s\n' "${problems[@]}")"
	fi
}
