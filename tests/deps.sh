#!/usr/bin/env bash
# Installs the Debian packages the toolkit builds, runs and tests with: `deps.sh` (make deps)
# everything the build, the suites, the fuzzers, the benchmark and valgrind use; `deps.sh demo`
# (make demo) only what building the programs and the offline demo (pipelines/debug.sh,
# report.sh) need.
# As root (or with password-less sudo) it installs what is missing; otherwise
# it prints the exact command to run and fails, so `make test` never half-runs.
set -euo pipefail

# The build (the libraries' headers and pkg-config), the pipelines (jq) and their charts
# (report.sh: sqlite3, gnuplot).
demo_packages=(
	pkg-config libcurl4-openssl-dev libjansson-dev libsqlite3-dev libpq-dev
	sqlite3 jq gnuplot-nox
)
# What the suites and the other make targets add.
test_packages=(
	curl bats bats-assert bats-support
	clang shellcheck mandoc man-db
	libclang-rt-14-dev # make fuzz: libFuzzer and the sanitizers' runtime for clang 14
	postgresql # tests/postgres.bash: a throwaway server for the PostgreSQL suites
	parallel # GNU parallel: pipelines/catalog.sh spreads a catalog over workers and hosts
	sqlite-utils time # make bench: the jq + sqlite-utils baseline, /usr/bin/time -f %M
	valgrind # make valgrind
	chromium # tests/browser.bash: report.sh's page opened in a real browser, headless
)

case ${1:-all} in
all) packages=("${demo_packages[@]}" "${test_packages[@]}") tools=(python3 gcc make) ;;
demo) packages=("${demo_packages[@]}") tools=(gcc make) ;;
*)
	echo "usage: $0 [all|demo]" >&2
	exit 64
	;;
esac

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done
for tool in "${tools[@]}"; do
	command -v "$tool" >/dev/null || { echo "deps: $tool is required and cannot be installed by this script" >&2; exit 1; }
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

command=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -eq 0 ]]; then
	sudo=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
	sudo=(sudo)
else
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run: sudo apt-get update && sudo ${command[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" "${command[@]}"
