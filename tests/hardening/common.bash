# shellcheck shell=bash source-path=SCRIPTDIR
# Shared by the tests/hardening-*.bats suites:   load hardening/common
#
# test_helper, plus one change to how the fake TMDB is steered, which changes nothing in
# what it answers: control calls go through curl rather than a Python process each (faster
# where python3 starts slowly), in the same verbs and JSON as fake_tmdb.py ctl.

# shellcheck source=../test_helper.bash
source "$(dirname "${BASH_SOURCE[0]}")/../test_helper.bash"

# fake_ctl VERB [JSON]: as test_helper's, over curl.
fake_ctl() {
	local verb=$1 url="${FAKE_URL:?start_fake_tmdb first}/_control/$1"
	case $verb in
	faults | health) curl -sS --fail-with-body --noproxy '*' --max-time 10 "$url" ;;
	*) curl -sS --fail-with-body --noproxy '*' --max-time 10 -H 'Content-Type: application/json' \
		--data-binary "${2:-{\}}" "$url" ;;
	esac
}
