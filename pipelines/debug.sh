#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The seed's local test run, for real: reset, prepare files/, sync a director's
# films into files/warehouse.db (or CSV), and report what happened.
set -euo pipefail

usage() {
	local text
	text=$(cat <<'USAGE'
usage: debug.sh [options]

Syncs a director's films (movies, cast credits, every review) into files/warehouse.db,
as the seed connector's debug.sh did, with the state in files/state.json.

options:
  --director ID|NAME  TMDB person id, or a name resolved with tmdb-fetch search,
                      preferring people known for Directing (default 525)
  --job JOB           crew job to follow (default Director)
  --incremental       keep the warehouse: fetch only what changed since its state
  --offline           replay the bundled sample (pipelines/sample): no network, no key;
                      it holds Christopher Nolan (525) and Steven Spielberg (488)
  --csv DIR           write CSV files into DIR instead of SQLite
  --wait              wait for another run on the same warehouse (else exit 75)
  -h, --help          this text
      --version       the version

Credentials: TMDB_API_KEY, TMDB_ACCESS_TOKEN, or configuration.json here
({"api_key": "..."}), copied into files/ as the seed did (the copy readable by you only).

A full run builds the new warehouse beside the old one and puts it in place only once
the sync has committed; credentials and the person are checked before anything is
touched. The state lives in the warehouse; files/state.json is a copy of it.
An --incremental sync that did not finish (killed, or failed) leaves files/sync.started,
the time it began; the next --incremental run resumes it: movies the warehouse committed
since that time are not fetched again. A full run starts from an empty warehouse, so it
fetches all, and once its warehouse is in place it removes the file.

Exit: 0 ok, 64 usage, 65 no such person (or, --offline, not in the sample), 73 files/
cannot be written, 75 the warehouse is in use, 77/78 credentials refused/missing; a failed
sync exits with the failing program's status.
USAGE
	)
	printf '%s\n' "${text/#usage: debug.sh/usage: $prog}"
}

# The name it was run by (tmdb-NAME once installed), in its messages and usage.
prog=${0##*/}

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
wait_for_lock=0

parse_options() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--director)
			[[ $# -ge 2 ]] || fail "--director needs an ID or a NAME"
			sync_valid_director "$2" ||
				fail "--director '$2': not a TMDB person id (a positive number) or a name"
			director=$2
			shift
			;;
		--job) [[ $# -ge 2 ]] || fail "--job needs a JOB"; job=$2; shift ;;
		--incremental) incremental=1 ;;
		--offline) offline=1 ;;
		--csv) [[ $# -ge 2 ]] || fail "--csv needs a DIR"; csv_dir=$2; shift ;;
		--wait) wait_for_lock=1 ;;
		-h | --help) usage; exit 0 ;;
		--version) echo "$prog $(cat "$here/VERSION")"; exit 0 ;;
		*) fail "unknown option '$1'" ;;
		esac
		shift
	done
}

# Options every tmdb-fetch call shares: the sample, or the configuration (the one here,
# which prepare_files copies, else the copy from an earlier run).
set_fetch_options() {
	if ((offline)); then
		fetch_options=(--replay "$here/sample")
	elif [[ -f configuration.json ]]; then
		fetch_options=(--config configuration.json)
	elif [[ -f files/configuration.json ]]; then
		fetch_options=(--config files/configuration.json)
	fi
}

# The people the bundled sample holds, one "ID<tab>NAME" line each.
sample_people() {
	local file
	for file in "$here"/sample/person/*/language=en-US.json; do
		jq -r '"\(.id)\t\(.name)"' "$file"
	done
}

# --offline can only replay who the sample holds: anyone else is 65, naming who it holds
# (rather than tmdb-fetch's 69 for a request it has no recording of). A name is matched
# in any case and becomes the sample's spelling, the one its search recording holds.
check_sample_director() {
	local id name
	while IFS=$'\t' read -r id name; do
		if [[ $director == "$id" || ( ! $director =~ ^[0-9]+$ && ${director,,} == "${name,,}" ) ]]; then
			[[ $director =~ ^[0-9]+$ ]] || director=$name
			return 0
		fi
	done < <(sample_people)
	fail "'$director' is not in the offline sample, which holds: $(sample_people |
		awk -F '\t' '{ printf "%s%s (%s)", (NR > 1 ? ", " : ""), $2, $1 }')" 65
}

# files/ must take what this run writes, checked before anything is fetched or created:
# one line naming the folder, 73 (not a bare mkdir or cp error later on).
check_files_folder() {
	if [[ -e files && ! -d files ]]; then
		fail "$PWD/files: not a folder" 73
	elif [[ -d files ]]; then
		[[ -w files && -x files ]] || fail "$PWD/files: cannot write in the folder" 73
	else
		[[ -w . && -x . ]] || fail "$PWD: cannot create files/ in the folder (read-only?)" 73
	fi
}

# copy_into_files FILE [MODE]: FILE into files/ as a new file (so an old copy's mode goes
# with it), created with MODE (default 644) before it holds anything; says so as cp -v did.
copy_into_files() {
	local copy
	copy=$(mktemp files/.copy.XXXXXX) || fail "$PWD/files: cannot write the folder" 73
	sync_temporaries+=("$copy")
	chmod "${2:-644}" "$copy"
	cat -- "$1" >"$copy" || fail "$1: cannot copy into $PWD/files" 74
	mv -f -- "$copy" "files/${1##*/}" || fail "$PWD/files/${1##*/}: cannot create" 73
	echo "'$1' -> 'files/${1##*/}'"
}

prepare_files() {
	echo "Creating files directory..."
	mkdir -p files
	# The key: readable by its owner only, whatever the mode of the one it came from.
	if [[ -f configuration.json ]]; then
		copy_into_files configuration.json 600
	fi
	# The seed's spec.json: the one here if any, else the one shipped beside this script.
	if [[ -f spec.json ]]; then
		copy_into_files spec.json
	else
		copy_into_files "$here/spec.json"
	fi
	echo "Contents of files directory:"
	ls -la files/
}

# The warehouse: files/warehouse.db, or the folder --csv names.
set_destination() {
	if [[ -n $csv_dir ]]; then
		type=csv target=${csv_dir%/}
	else
		type=sqlite target=files/warehouse.db
	fi
}

# A full run loads into a fresh warehouse beside the old one (build), which replaces the
# old one only once it has committed (swap): a failed run leaves the old one as it was.
build_fresh() {
	echo "Building a fresh warehouse beside $target..."
	# Under the lock: what a killed run left half built goes first.
	rm -rf "$target".new.?????? "$target".new.??????.lock
	if [[ $type == csv ]]; then
		fresh=$(mktemp -d "$target.new.XXXXXX")
	else
		fresh=$(mktemp "$target.new.XXXXXX")
		rm -f "$fresh"
	fi
	# The fresh warehouse is this run's alone; tmdb-load still locks it (FRESH.lock).
	sync_temporaries+=("$fresh" "$fresh.lock")
}

# Each CSV file is replaced whole (rename), the state's tables last: until they are in
# place, the old state describes rows older than the ones beside it, never newer.
swap_fresh() {
	local file
	if [[ $type == csv ]]; then
		for file in "$fresh"/*.csv; do
			case ${file##*/} in memberships.csv | sync_state.csv) continue ;; esac
			mv "$file" "$target/"
		done
		mv "$fresh"/*.csv "$target/"
	else
		mv "$fresh" "$target"
	fi
	echo "Replaced $target with the fresh warehouse"
}

# What the charts say the data is: the sample is not TMDB's live data (its reviews are made up).
data_source() {
	if ((offline)); then
		echo "offline sample (pipelines/sample), not live TMDB data"
	else
		echo "TMDB API, person $director_id"
	fi
}

sync_into() {
	local wait=()
	if ((wait_for_lock)); then
		wait=(--wait)
	fi
	sync_director "$director_id" "$job" "$type" "$1" "${wait[@]}"
}

main() {
	parse_options "$@"
	local started=$EPOCHREALTIME
	echo "Starting debug process..."
	set_fetch_options
	if ((offline)); then
		check_sample_director
	fi
	check_files_folder
	resolve_director "$director"
	set_destination
	lock_destination "$type" "$target" "$wait_for_lock"
	prepare_files
	if ((incremental)); then
		sync_marker=files/sync.started
		sync_into "$target"
	else
		build_fresh
		sync_into "$fresh"
		swap_fresh
		# A new warehouse: what an unfinished incremental sync left has nothing to resume.
		rm -f files/sync.started
	fi
	copy_state "$type" "$target" files/state.json
	local synced
	synced=$(date -u '+%Y-%m-%d %H:%M UTC')
	if [[ -z $csv_dir && -x $here/report.sh ]]; then
		echo "Charts:"
		"$here/report.sh" --director-name "${director_name:-TMDB person $director_id}" \
			--source "$(data_source)" --synced "$synced" files/warehouse.db
	fi
	echo "Done in $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }') s."
}

main "$@"
