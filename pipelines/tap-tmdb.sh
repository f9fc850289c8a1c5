#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The toolkit as a Singer tap, run the way Meltano runs taps: --discover prints the
# catalog, --catalog and --state run a sync of the configured people's films and write
# the Singer stream, then the state for the next run. No Meltano needed.
set -euo pipefail

usage() {
	local text
	text=$(cat <<'USAGE'
usage: tap-tmdb --config FILE --discover
       tap-tmdb --config FILE [--catalog FILE] [--state FILE]

A Singer tap for TMDB: writes on standard output the films of the configured people, as
tmdb-fetch person | tmdb-director --sync | tmdb-fetch movie | tmdb-shape --all makes them
(SCHEMA and RECORD messages for movies, credits, reviews, crew, genres, memberships,
sync_state), then one STATE message whose value is the state for the next run.

FILE of --config is JSON:
  {"api_key": "..."} or {"access_token": "..."}   the credential (else TMDB_API_KEY or
                                                  TMDB_ACCESS_TOKEN in the environment)
  "people": [525, ...]                            whose films (required)
  "jobs": ["Director", ...] or "job": "Director"  their crew jobs (default Director)
  "rate": 40, "base_url": "https://..."           tmdb-fetch's --rate and --base-url

options:
      --config FILE     the configuration (required; chmod 600 it: it holds the key)
      --discover        print the catalog (every stream, its schema, key and metadata) and exit
      --catalog FILE    sync only the streams FILE selects (metadata "selected": true at
                        breadcrumb []); without it, every stream
      --properties FILE the same as --catalog (older taps' name)
      --state FILE      the last run's STATE value: only films changed since are fetched
                        again, and films the people no longer hold are deleted
                        (_sdc_deleted_at); a missing or empty FILE, or {}, starts afresh
  -h, --help            this text
      --version         the version

The STATE comes last, only when everything before it was written: a target that commits
before it saves the state (as Singer targets do, and tmdb-load) never has a state ahead
of its data. The credential reaches tmdb-fetch alone, never a command line.

Exit: 0 ok, 64 usage, 78 a configuration, catalog or state that cannot be used; else the
status of the program that failed (tmdb-fetch: 69 TMDB unreachable, 77 key refused).
USAGE
	)
	printf '%s\n' "${text/#usage: tap-tmdb/usage: $prog}"
}

prog=${0##*/}
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=sync.bash
source "$here/sync.bash"
sync_use_built_programs "$here"

config=
catalog=
state=
discover=0

parse_options() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--config | --catalog | --properties | --state)
			[[ $# -ge 2 && -n $2 ]] || fail "$1 needs a value"
			case $1 in
			--config) config=$2 ;;
			--catalog | --properties) catalog=$2 ;;
			--state) state=$2 ;;
			esac
			shift
			;;
		--discover) discover=1 ;;
		-h | --help) usage; exit 0 ;;
		--version) echo "$prog $(cat "$here/VERSION")"; exit 0 ;;
		*) fail "unexpected argument '$1'" ;;
		esac
		shift
	done
	[[ -n $config ]] || fail "--config FILE is required"
	[[ $discover == 0 || -z $catalog ]] || fail "--discover and --catalog: one or the other"
}

# read_json FILE WHAT: FILE's JSON object on standard output, or a 78 naming it.
read_json() {
	[[ -f $1 && -r $1 ]] || fail "$1: cannot read the $2" 78
	jq -c -e 'if type == "object" then . else error("not a JSON object") end' "$1" 2>/dev/null ||
		fail "$1: the $2 is not a JSON object" 78
}

# The configuration's people, jobs and tmdb-fetch options, checked.
people=()
jobs=()
fetch_options=()
read_config() {
	local json
	json=$(read_json "$config" configuration)
	mapfile -t people < <(jq -r '.people // empty | if type == "array" then .[] else error end
		| tostring' <<<"$json" 2>/dev/null) || true
	((${#people[@]})) || fail "$config: \"people\" must be a list of TMDB person IDs" 78
	local person
	for person in "${people[@]}"; do
		if ! [[ $person =~ ^[0-9]+$ ]] || ((10#$person == 0)); then
			fail "$config: \"people\": '$person' is not a person ID" 78
		fi
	done
	mapfile -t jobs < <(jq -r '(.jobs // [.job // "Director"]) | if type == "array" then .[] else error end
		| strings' <<<"$json" 2>/dev/null) || true
	((${#jobs[@]})) || fail "$config: \"jobs\" must be a list of crew jobs" 78
	local value
	value=$(jq -r '.rate // empty' <<<"$json")
	[[ -z $value || $value =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "$config: \"rate\" is not a number" 78
	[[ -z $value ]] || fetch_options+=(--rate "$value")
	value=$(jq -r '.base_url // empty' <<<"$json")
	[[ -z $value ]] || fetch_options+=(--base-url "$value")
	# The credential stays in the file: tmdb-fetch reads it there.
	if jq -e 'has("api_key") or has("access_token")' <<<"$json" >/dev/null; then
		fetch_options+=(--config "$config")
	fi
}

# The catalog: each stream's SCHEMA as tmdb-shape writes it, with Singer's metadata.
print_catalog() {
	tmdb-shape --schema | jq -c -s '{streams: map(.key_properties as $key | {
		tap_stream_id: .stream, stream: .stream, schema: .schema, key_properties: $key,
		metadata: ([{breadcrumb: [], metadata: {inclusion: "available", selected: true,
			"table-key-properties": $key, "forced-replication-method": "INCREMENTAL"}}]
			+ [.schema.properties | keys_unsorted[] | {breadcrumb: ["properties", .],
				metadata: {inclusion: (if IN($key[]) then "automatic" else "available" end)}}])})}'
}

# The streams the catalog selects, one a line; every stream without a catalog.
selected_streams() {
	if [[ -z $catalog ]]; then
		tmdb-shape --schema | jq -r .stream
		return
	fi
	local json
	json=$(read_json "$catalog" catalog)
	jq -r '.streams | if type == "array" then .[] else error end
		| select(any(.metadata[]?; .breadcrumb == [] and .metadata.selected == true))
		| .tap_stream_id // .stream' <<<"$json" 2>/dev/null || fail "$catalog: no \"streams\" list" 78
}

# The stream of the selected streams: tmdb-shape writes each message's type and stream
# first, so one pattern picks them, the values left as written.
keep_streams() {
	local pattern
	pattern=$(paste -sd '|' <<<"$1")
	grep -E "^\\{\"type\":\"(SCHEMA|RECORD)\",\"stream\":\"($pattern)\"" || [[ $? == 1 ]]
}

sync_streams() {
	local next selected
	selected=$(selected_streams)
	[[ -n $selected ]] || fail "${catalog:-the catalog}: no stream is selected" 78
	next=$(mktemp "${TMPDIR:-/tmp}/tap-tmdb-state.XXXXXX")
	sync_temporaries+=("$next")
	# Meltano hands on the last STATE value, or {} before the first; tmdb-fetch reads
	# it where it is, so its messages name it. No file is the empty state.
	local -a state_options=()
	local state_json='{}'
	if [[ -n $state && -s $state ]]; then
		state_json=$(read_json "$state" state)
	fi
	[[ $state_json == '{}' ]] || state_options=(--state "$state")
	local -a job_options=()
	local job
	for job in "${jobs[@]}"; do
		job_options+=(--job "$job")
	done
	sync_fetch "${fetch_options[@]}" person "${people[@]}" |
		tmdb-director --sync "${job_options[@]}" |
		sync_fetch "${fetch_options[@]}" "${state_options[@]}" --state-out "$next" movie |
		tmdb-shape --all |
		keep_streams "$selected"
	printf '{"type":"STATE","value":%s}\n' "$(jq -c . "$next")"
}

parse_options "$@"
read_config
if ((discover)); then
	print_catalog
else
	sync_streams
fi
