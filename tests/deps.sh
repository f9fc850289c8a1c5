#!/usr/bin/env bash
# Installs the Debian packages the toolkit builds, runs and tests with.
# As root (or with password-less sudo) it installs what is missing; otherwise
# it prints the exact command to run and fails, so `make test` never half-runs.
set -euo pipefail

packages=(
	pkg-config libcurl4-openssl-dev libjansson-dev libsqlite3-dev sqlite3
	jq curl bats bats-assert bats-support
	clang shellcheck mandoc man-db gnuplot-nox
	libclang-rt-14-dev # make fuzz: libFuzzer and the sanitizers' runtime for clang 14
	libpq-dev postgresql
	sqlite-utils time # make bench: the jq + sqlite-utils baseline, /usr/bin/time -f %M
	valgrind # make valgrind
)

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$pkg")
done
for tool in python3 gcc make; do
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
