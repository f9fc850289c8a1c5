#!/usr/bin/env bash
# Rebuilds pipelines/sample, the offline recording `make demo` replays, from the
# fixtures served by the fake TMDB: person 525 and the films he directed, the
# searches debug.sh makes for a name, and Steven Spielberg's films.
# usage: tests/make_sample.sh [OUT_DIR]   (default pipelines/sample)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${1:-$root/pipelines/sample}
state=$(mktemp -d)
trap 'kill "$(cat "$state/pid" 2>/dev/null)" 2>/dev/null || true; rm -rf "$state"' EXIT

python3 "$root/tests/fake_tmdb.py" serve --fixtures "$root/tests/fixtures/tmdb" --state-dir "$state" \
	--api-key sample-key --owner-pid "$$" >/dev/null 2>&1 3>&- &
for _ in $(seq 200); do
	[[ -s $state/port ]] && break
	sleep 0.05
done
[[ -s $state/port ]] || { echo "make_sample.sh: the fake TMDB did not start" >&2; exit 1; }

port=$(cat "$state/port")
export TMDB_BASE_URL="http://127.0.0.1:$port/3" TMDB_API_KEY=sample-key
fetch=("$root/bin/tmdb-fetch" -q --record "$out.new")
rm -rf "$out.new"
for name in "Christopher Nolan" "Steven Spielberg"; do
	"${fetch[@]}" search "$name" >/dev/null
done
for person in 525 488; do
	"${fetch[@]}" get "/person/$person" >/dev/null
	"${fetch[@]}" person "$person" | "$root/bin/tmdb-director" | "${fetch[@]}" movie >/dev/null
done
rm -rf "$out"
mv "$out.new" "$out"
echo "$out"
