# shellcheck shell=bash
# Headless Chromium for the suites (Debian's chromium, which tests/deps.sh installs):
#   load browser
#   browser_dom PAGE        the page's DOM once it and everything it loads have loaded
#   browser_screenshot PAGE PNG WIDTH HEIGHT
# PAGE is a local file. Chromium gets a profile of its own in the test's folder and no way
# out: every host name fails to resolve and any proxy-able request goes to loopback's discard
# port, so a page (or Chromium's own background services) never reaches the network. It runs
# without its sandbox, which needs user namespaces a CI container (or root) may not have;
# the pages are the suites' own files.

browser_command() {
	local bin
	for bin in chromium chromium-browser google-chrome; do
		command -v "$bin" >/dev/null && { echo "$bin"; return 0; }
	done
	echo "browser.bash: no chromium; run make deps (tests/deps.sh installs it)" >&2
	return 1
}

# browser_run ARG...: Chromium headless with the suites' flags, its chatter (D-Bus, GPU) kept
# in the test's folder rather than the test's output.
browser_run() {
	local bin profile="$BATS_TEST_TMPDIR/chromium"
	bin=$(browser_command) || return 1
	mkdir -p "$profile/home"
	HOME="$profile/home" timeout 120 "$bin" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
		--user-data-dir="$profile/data" --no-first-run --no-default-browser-check \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-default-apps --disable-extensions --disable-breakpad \
		--host-resolver-rules='MAP * ~NOTFOUND' --proxy-server='http://127.0.0.1:9' \
		--allow-file-access-from-files --hide-scrollbars "$@" 2>>"$profile/stderr"
}

browser_dom() {
	browser_run --virtual-time-budget=15000 --dump-dom "file://$(realpath -- "$1")"
}

browser_screenshot() {
	browser_run --window-size="$3,$4" --screenshot="$(realpath -m -- "$2")" \
		"file://$(realpath -- "$1")" >/dev/null
}
