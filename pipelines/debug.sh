#!/usr/bin/env bash
# The seed's local test run, for real: reset, prepare files/, sync a director's
# films into files/warehouse.db (or CSV), and report what happened.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: debug.sh [options]

Syncs a director's films (movies, cast credits, every review) into files/warehouse.db,
as the seed connector's debug.sh did, with the state in files/state.json.

options:
  --director ID|NAME  TMDB person id, or a name resolved with tmdb-fetch search,
                      preferring people known for Directing (default 525)
  --job JOB           crew job to follow (default Director)
  --incremental       keep the state and warehouse: fetch only what changed
  --offline           replay the bundled sample (pipelines/sample): no network, no key
  --csv DIR           write CSV files into DIR instead of SQLite
  -h, --help          this text

Credentials: TMDB_API_KEY, TMDB_ACCESS_TOKEN, or configuration.json here
({"api_key": "..."}), copied into files/ as the seed did.
USAGE
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Run from a checkout without installing: prefer the freshly built programs.
if [[ -d $here/../bin ]]; then
	PATH="$(cd "$here/../bin" && pwd):$PATH"
fi

director=525
director_name=
job=Director
incremental=0
offline=0
csv_dir=

fail() {
	echo "debug.sh: $*" >&2
	exit "${2:-64}"
}

parse_options() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--director) [[ $# -ge 2 ]] || fail "--director needs an ID or a NAME"; director=$2; shift ;;
		--job) [[ $# -ge 2 ]] || fail "--job needs a JOB"; job=$2; shift ;;
		--incremental) incremental=1 ;;
		--offline) offline=1 ;;
		--csv) [[ $# -ge 2 ]] || fail "--csv needs a DIR"; csv_dir=$2; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; fail "unknown option '$1'" ;;
		esac
		shift
	done
}

# Options every tmdb-fetch call shares: the sample, or the copied configuration.
fetch_options=()
set_fetch_options() {
	if ((offline)); then
		fetch_options=(--replay "$here/sample")
	elif [[ -f files/configuration.json ]]; then
		fetch_options=(--config files/configuration.json)
	fi
}

reset_state() {
	echo "Resetting state and warehouse..."
	rm -f files/state.json files/warehouse.db files/warehouse.db-wal files/warehouse.db-shm
}

prepare_files() {
	echo "Creating files directory..."
	mkdir -p files
	if [[ -f configuration.json ]]; then
		cp -v configuration.json files/
	fi
	# The seed's spec.json: the one here if any, else the one shipped beside this script.
	if [[ -f spec.json ]]; then
		cp -v spec.json files/
	else
		cp -v "$here/spec.json" files/
	fi
	echo "Contents of files directory:"
	ls -la files/
}

# A name becomes an id through search; people known for Directing come first.
resolve_director() {
	if [[ $director =~ ^[0-9]+$ ]]; then
		director_name=$(tmdb-fetch -q "${fetch_options[@]}" get "/person/$director" | jq -r '.name // empty') ||
			director_name=
		echo "Director: ${director_name:-unknown name} (TMDB person $director)"
		return
	fi
	local choice name department
	choice=$(tmdb-fetch "${fetch_options[@]}" search "$director" |
		jq -s -r 'sort_by(if .known_for_department == "Directing" then 0 else 1 end)
			| first // empty | "\(.id)\t\(.name)\t\(.known_for_department)"')
	[[ -n $choice ]] || fail "no TMDB person named '$director'" 65
	IFS=$'\t' read -r director name department <<<"$choice"
	director_name=$name
	echo "Director: $name (TMDB person $director, known for $department)"
}

load_command() {
	if [[ -n $csv_dir ]]; then
		echo tmdb-load csv "$csv_dir"
	else
		echo tmdb-load sqlite files/warehouse.db
	fi
}

# The pipeline; the new state is promoted only once the load has committed.
run_pipeline() {
	local state_in=() load
	# Global: the EXIT trap runs after this function's locals are gone.
	state_next=$(mktemp files/state.json.next.XXXXXX)
	trap 'rm -f "$state_next"' EXIT
	if ((incremental)) && [[ -f files/state.json ]]; then
		state_in=(--state files/state.json)
	fi
	read -r -a load <<<"$(load_command)"
	echo "Syncing person $director, job $job..."
	tmdb-fetch "${fetch_options[@]}" --summary person "$director" |
		tmdb-director --job "$job" |
		tmdb-fetch "${fetch_options[@]}" --summary "${state_in[@]}" --state-out "$state_next" movie |
		tmdb-shape --all |
		"${load[@]}"
	mv "$state_next" files/state.json
	trap - EXIT
	echo "State written: files/state.json ($(jq '.etags | length' files/state.json) ETags)"
}

main() {
	parse_options "$@"
	local started=$EPOCHREALTIME
	echo "Starting debug process..."
	((incremental)) || reset_state
	prepare_files
	set_fetch_options
	resolve_director
	run_pipeline
	if [[ -z $csv_dir && -x $here/report.sh ]]; then
		echo "Charts:"
		"$here/report.sh" --director-name "${director_name:-TMDB person $director}" files/warehouse.db
	fi
	echo "Done in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s."
}

main "$@"
