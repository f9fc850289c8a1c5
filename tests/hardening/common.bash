# shellcheck shell=bash source-path=SCRIPTDIR
# Shared by the tests/hardening-*.bats suites:   load hardening/common
#
# test_helper, plus two changes to how the fake TMDB is run, neither of which changes
# what it answers:
# - the server is bench/fake_server.py, tests/fake_tmdb.py with a listen backlog of 128:
#   socketserver's 5 overflows when tmdb-fetch opens its 8 connections at once, and each
#   dropped SYN costs the kernel's 1 s retransmission (about every other sync);
# - control calls go through curl rather than a Python process each (faster where
#   python3 starts slowly), in the same verbs and JSON as fake_tmdb.py ctl.

# shellcheck source=../test_helper.bash
source "$(dirname "${BASH_SOURCE[0]}")/../test_helper.bash"

# shellcheck disable=SC2034 # start_fake_tmdb runs it
FAKE_TMDB_PY="$PROJECT_ROOT/bench/fake_server.py"
export PYTHONDONTWRITEBYTECODE=1	# importing tests/fake_tmdb.py must not write tests/__pycache__

# fake_ctl VERB [JSON]: as test_helper's, over curl.
fake_ctl() {
	local verb=$1 url="${FAKE_URL:?start_fake_tmdb first}/_control/$1"
	case $verb in
	faults | health) curl -sS --fail-with-body --noproxy '*' --max-time 10 "$url" ;;
	*) curl -sS --fail-with-body --noproxy '*' --max-time 10 -H 'Content-Type: application/json' \
		--data-binary "${2:-{\}}" "$url" ;;
	esac
}
