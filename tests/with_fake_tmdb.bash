# shellcheck shell=bash
# For suites that talk to the fake TMDB: one server per file, a clean slate per test.
# A suite that needs more in setup defines its own and calls fake_reset there.

load test_helper

setup_file() {
	start_fake_tmdb
}

teardown_file() {
	stop_fake_tmdb
}

setup() {
	fake_reset
}
