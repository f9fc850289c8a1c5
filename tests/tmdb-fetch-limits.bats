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
