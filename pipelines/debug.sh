#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
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
      --version       the version

Credentials: TMDB_API_KEY, TMDB_ACCESS_TOKEN, or configuration.json here
({"api_key": "..."}), copied into files/ as the seed did.
USAGE
}

# Installed, this script is reached through a symlink in bin/: its helpers are beside the real file.
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=sync.bash
source "$here/sync.bash"
sync_use_built_programs "$here"

director=525
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
		--version) echo "debug.sh $(cat "$here/VERSION")"; exit 0 ;;
		*) usage >&2; fail "unknown option '$1'" ;;
		esac
		shift
	done
}

# Options every tmdb-fetch call shares: the sample, or the copied configuration.
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

load_command() {
	if [[ -n $csv_dir ]]; then
		load=(tmdb-load csv "$csv_dir")
	else
		load=(tmdb-load sqlite files/warehouse.db)
	fi
}

main() {
	parse_options "$@"
	local started=$EPOCHREALTIME
	echo "Starting debug process..."
	((incremental)) || reset_state
	prepare_files
	set_fetch_options
	resolve_director "$director"
	load_command
	sync_director "$director_id" "$job" files/state.json "$incremental" "${load[@]}"
	if [[ -z $csv_dir && -x $here/report.sh ]]; then
		echo "Charts:"
		"$here/report.sh" --director-name "${director_name:-TMDB person $director_id}" files/warehouse.db
	fi
	echo "Done in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s."
}

main "$@"
