#!/usr/bin/env bats
# tmdb-fetch's concurrency and rate limits, read off the fake server's log (which
# records, for every request, when it came and how many were being answered then).
# Every answer takes 100 ms, so requests overlap whenever the client lets them.

load test_helper

setup_file() {
	start_fake_tmdb --latency-ms 100
}

teardown_file() {
	stop_fake_tmdb
}

setup() {
	fake_reset
}

NOLAN_MOVIES=(1124 155 272 1368337 49026 320 77 157336 11660 374720 872585 577922 27205)

@test "-j N: never more than N requests in flight, and more than one when allowed" {
	run --separate-stderr tmdb-fetch -j 3 --rate 0 movie "${NOLAN_MOVIES[@]}"
	assert_success
	[ "${#lines[@]}" -eq 13 ]
	max=$(fake_requests '.in_flight' | sort -n | tail -1)
	[ "$max" -le 3 ]
	[ "$max" -ge 2 ]
	fake_reset
	run --separate-stderr tmdb-fetch -j 1 --rate 0 movie "${NOLAN_MOVIES[@]:0:4}"
	assert_success
	[ "$(fake_requests '.in_flight' | sort -n | tail -1)" -eq 1 ]
}

@test "--rate R: no 1 s window holds more than R requests beyond the bucket's burst of R" {
	run --separate-stderr tmdb-fetch -j 8 --rate 5 movie "${NOLAN_MOVIES[@]}"
	assert_success
	# 17 requests (13 movies, 4 further review pages) at 5 a second with a burst of 5: count the densest 1 s window.
	fake_requests '.t' | jq -s -e '
		sort as $t
		| [range(0; $t | length) as $i | [$t[] | select(. >= $t[$i] and . < $t[$i] + 1)] | length]
		| max <= 10' >/dev/null
	[ "$(fake_count .)" -eq 17 ]
}

@test "output keeps input order however the answers arrive" {
	# The first movie's answer is held back 1 s; the others overtake it on the wire.
	fake_fault '{"match": "^/3/movie/1124$", "kind": "slow", "delay": 1}'
	run --separate-stderr tmdb-fetch -j 8 movie "${NOLAN_MOVIES[@]}"
	assert_success
	diff <(jq -c .id <<<"$output") <(printf '%s\n' "${NOLAN_MOVIES[@]}")
}

@test "--timeout counts from a transfer's start, not while it waits for a free slot" {
	# Ten movies' first answers stall past the timeout, more than -j lets run at once:
	# the movies queued behind them were never stalled and must not time out or retry.
	local stalled=(1124 155 272 1368337 49026 320 77 157336 11660 374720) id
	for id in "${stalled[@]}"; do
		fake_fault "{\"match\": \"^/3/movie/$id\$\", \"kind\": \"slow\", \"delay\": 3}"
	done
	local calm=(872585 577922 27205 550 329 424 578 601)
	run --separate-stderr tmdb-fetch -j 4 --rate 0 --timeout 1 --retries 1 movie "${stalled[@]}" "${calm[@]}"
	assert_success
	diff <(jq -c .id <<<"$output") <(printf '%s\n' "${stalled[@]}" "${calm[@]}")
	for id in "${calm[@]}"; do
		if grep -E "/movie/${id}[^0-9].*retry" <<<"$stderr"; then
			fail "movie $id was never stalled yet was retried"
		fi
	done
}

# Movies whose reviews fit one page: one request each.
ONE_PAGE_MOVIES=(1124 11660 1368337 157336 272 320 329 374720 424 49026 550 577922 578 601 77 872585)

# assert_started_within R SLACK: over any stretch of the logged requests, in the order
# the server saw them, no more started than a full bucket (R) plus R a second, give or
# take SLACK requests for the time between a start and its arrival.
assert_started_within() {
	fake_requests '.t' | jq -s -e --argjson r "$1" --argjson slack "$2" '
		sort as $t
		| [range(0; $t | length) as $i | range($i; $t | length) as $j
		   | select($j - $i + 1 > $r + $r * ($t[$j] - $t[$i]) + $slack)]
		| length == 0' >/dev/null ||
		fail "more than $1 a second started; ms after the first: $(fake_requests '.t' |
			jq -s -c 'sort | .[0] as $s | map((. - $s) * 1000 | round)')"
}

# monotonic_now: CLOCK_MONOTONIC seconds, the clock a rate file holds.
monotonic_now() {
	python3 -c 'import time; print("%.6f" % time.monotonic())'
}

@test "--rate-file FILE: processes naming one FILE start at most R a second together" {
	local file="$BATS_TEST_TMPDIR/rate" pids=() i
	# 4 processes of 5 requests at --rate 5: alone, each would send all 5 at once.
	for i in 0 1 2 3; do
		tmdb-fetch -j 8 --rate 5 --rate-file "$file" movie "${ONE_PAGE_MOVIES[@]:$((i * 3)):5}" \
			>"$BATS_TEST_TMPDIR/out.$i" 2>"$BATS_TEST_TMPDIR/err.$i" &
		pids+=("$!")
	done
	for i in 0 1 2 3; do
		wait "${pids[$i]}" || fail "process $i failed: $(cat "$BATS_TEST_TMPDIR/err.$i")"
	done
	for i in 0 1 2 3; do
		[ "$(jq -s length "$BATS_TEST_TMPDIR/out.$i")" -eq 5 ]
	done
	[ "$(fake_count .)" -eq 20 ]
	assert_started_within 5 2
}

@test "--rate-file: FILE is created, mode 600, with the bucket's numbers and never the key" {
	local file="$BATS_TEST_TMPDIR/rate"
	run --separate-stderr tmdb-fetch --rate 5 --rate-file "$file" movie 550
	assert_success
	[ "$(stat -c %a "$file")" = 600 ]
	run cat "$file"
	assert_output --regexp '^tokens=[0-9.]+ refilled=[0-9.]+$'
	run grep -rF -- "$FAKE_API_KEY" "$file"
	assert_failure 1
}

@test "--rate-file: a FILE that cannot be opened exits 73 naming it, before any request" {
	local file="$BATS_TEST_TMPDIR/no/such/folder/rate"
	run -73 --separate-stderr tmdb-fetch --rate-file "$file" movie 550
	[ "$stderr" = "tmdb-fetch: $file: cannot open the rate file: No such file or directory" ]
	run -73 --separate-stderr tmdb-fetch --rate-file /dev/null movie 550
	[ "$stderr" = "tmdb-fetch: /dev/null: cannot use as the rate file: a device" ]
	[ "$(fake_count .)" -eq 0 ]
	run -64 --separate-stderr tmdb-fetch --rate 0 --rate-file "$BATS_TEST_TMPDIR/rate" movie 550
	assert_output ''
	[[ $stderr == *"--rate must be above 0"* ]]
}

@test "--rate-file: a garbled FILE is started afresh" {
	local file="$BATS_TEST_TMPDIR/rate"
	printf 'not a bucket\n\0\377 tokens=' >"$file"
	run --separate-stderr tmdb-fetch -v --rate 5 --rate-file "$file" movie 550 155
	assert_success
	[ "$(jq -s length <<<"$output")" -eq 2 ]
	[[ $stderr == *"$file: not a rate bucket; starting a new one"* ]]
	run cat "$file"
	assert_output --regexp '^tokens=[0-9.]+ refilled=[0-9.]+$'
}

@test "--rate-file: a refill time from the future or a hoard of tokens neither blocks nor bursts" {
	local file="$BATS_TEST_TMPDIR/rate" later
	later=$(monotonic_now | awk '{ printf "%.6f", $1 + 1000000 }')
	# No token and a refill a million seconds ahead (a file from before a reboot): waiting
	# for that would hang until the timeout.
	printf 'tokens=-1000000 refilled=%s\n' "$later" >"$file"
	run --separate-stderr timeout 60 tmdb-fetch --rate 5 --rate-file "$file" movie 550
	assert_success
	# A million tokens: still no more than one second's worth at once.
	fake_reset
	printf 'tokens=1000000 refilled=%s\n' "$later" >"$file"
	run --separate-stderr timeout 60 tmdb-fetch -j 8 --rate 5 --rate-file "$file" movie "${ONE_PAGE_MOVIES[@]}"
	assert_success
	[ "$(fake_count .)" -eq 16 ]
	assert_started_within 5 2
}
