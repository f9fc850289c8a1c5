# shellcheck shell=bash
# Shared by debug.sh, deploy.sh and catalog.sh (sourced, not run): finding the programs, naming a
# director, and one sync whose new state is promoted only once the load has committed.

# Prefer the programs that came with these scripts: those in $TMDB_BIN when it is set
# (another build of them, such as the sanitizer build the tests run), else bin/ of the
# checkout (DIR/../bin) or of the installation (DIR is PREFIX/share/tmdb-toolkit/pipelines).
sync_use_built_programs() {
	local bin
	for bin in ${TMDB_BIN:+"$TMDB_BIN"} "$1/../bin" "$1/../../../bin"; do
		if [[ -x $bin/tmdb-fetch ]]; then
			PATH="$(cd "$bin" && pwd):$PATH"
			return
		fi
	done
}

# fail MESSAGE [STATUS]: one line, "$prog: MESSAGE" (the caller sets prog); a usage error
# (64, the default) adds where help is, as jq and curl do, rather than the whole usage.
fail() {
	# shellcheck disable=SC2154 # prog: set by the script that sources this file
	echo "$prog: $1" >&2
	if [[ ${2:-64} == 64 ]]; then
		echo "Try '$prog --help' for more information." >&2
	fi
	exit "${2:-64}"
}

# Temporaries the script removes however it ends, and the holder line of the lock it holds
# (empty says nobody holds it, as tmdb-load leaves it): one trap for them all.
sync_temporaries=()
sync_lock_held=
trap 'rm -rf "${sync_temporaries[@]}"; [[ -z $sync_lock_held ]] || : >"$sync_lock_held"' EXIT

# What every tmdb-fetch call takes (--replay DIR or --config FILE); the caller sets it.
fetch_options=()

# The credential is for tmdb-fetch alone: it leaves the environment every other child
# (tmdb-shape, tmdb-load, jq, tee...) inherits, and sync_fetch hands it back to
# tmdb-fetch only. NAME=VALUE words; a caller (deploy.sh) may set its own.
sync_credentials=()
sync_take_credentials() {
	local name
	for name in TMDB_API_KEY TMDB_ACCESS_TOKEN; do
		if [[ -v $name ]]; then
			sync_credentials+=("$name=${!name}")
			unset "$name"
		fi
	done
}
sync_take_credentials

# sync_with_credentials COMMAND ARG...: COMMAND with the credential in its environment
# (never its argv): tmdb-fetch, or what runs tmdb-fetch for us (GNU parallel).
sync_with_credentials() {
	local pair
	for pair in "${sync_credentials[@]}"; do
		local -x "$pair"
	done
	"$@"
}

# sync_fetch ARG...: tmdb-fetch with the credential.
sync_fetch() {
	sync_with_credentials tmdb-fetch "$@"
}
# Set by resolve_director.
director_id=''
director_name=

# sync_valid_director VALUE: a positive TMDB person id or a name (not an option, not
# empty): what resolve_director can look up. Leading zeros are the same person.
sync_valid_director() {
	[[ $1 =~ ^[0-9]+$ ]] && { ((10#$1 > 0)); return; }
	[[ -n ${1//[[:space:]]/} && $1 != -* ]]
}

# resolve_director ID|NAME: sets director_id and director_name, or fails the script with
# tmdb-fetch's status (78 no credentials, 77 refused, 69 unreachable, 66 not in a
# --replay recording, 65 no such person):
# a sync that cannot start touches nothing. A name is resolved with tmdb-fetch search,
# people known for Directing first.
resolve_director() {
	local wanted=$1 choice department status=0
	if [[ $wanted =~ ^[0-9]+$ ]]; then
		wanted=$((10#$wanted))
		director_id=$wanted
		director_name=$(sync_fetch -q --strict "${fetch_options[@]}" get "/person/$wanted" |
			jq -r '.name // empty') || status=$?
		if ((status == 65)); then
			echo "${0##*/}: no TMDB person $wanted" >&2
		fi
		((status == 0)) || exit "$status"
		echo "Director: ${director_name:-unknown name} (TMDB person $director_id)"
		return 0
	fi
	choice=$(sync_fetch "${fetch_options[@]}" search "$wanted" |
		jq -s -r 'sort_by(if .known_for_department == "Directing" then 0 else 1 end)
			| first // empty | "\(.id)\t\(.name)\t\(.known_for_department)"') || exit
	if [[ -z $choice ]]; then
		echo "${0##*/}: no TMDB person named '$wanted'" >&2
		exit 65
	fi
	IFS=$'\t' read -r director_id director_name department <<<"$choice"
	echo "Director: $director_name (TMDB person $director_id, known for $department)"
}

# lock_file TYPE TARGET: the file tmdb-load locks TARGET with; none for postgres, whose
# lock is an advisory lock inside the database, held by each load.
lock_file() {
	case $1 in
	sqlite) echo "$2.lock" ;;
	csv) echo "$2/.lock" ;;
	esac
}

# lock_destination TYPE TARGET WAIT: holds TARGET's lock (fd 8) until the script ends, the
# same lock tmdb-load takes, and hands it to every tmdb-load it runs (TMDB_LOCK_FD). A
# destination in use: exit 75 naming its holder, or wait with WAIT=1.
lock_destination() {
	local file pid holder
	file=$(lock_file "$1" "$2")
	[[ -n $file ]] || return 0
	# A folder that cannot hold the lock cannot hold the destination either: 73, untouched.
	if ! mkdir -p "$(dirname "$file")" 2>/dev/null; then
		echo "${0##*/}: $(dirname "$file"): cannot create the folder" >&2
		exit 73
	fi
	if ! { exec 8>>"$file"; } 2>/dev/null; then
		echo "${0##*/}: $file: cannot create the lock file" >&2
		exit 73
	fi
	if (($3)); then
		flock 8
	elif ! flock -n 8; then
		read -r pid holder <"$file" || true
		echo "${0##*/}: $2: in use by ${holder:-another process}${pid:+ (pid $pid)}; --wait to wait for it" >&2
		exit 75
	fi
	: >"$file"
	printf '%d %s\n' "$$" "${0##*/}" >&8
	sync_lock_held=$file
	export TMDB_LOCK_FD=8
}

# The file that says a sync began and has not finished: its one line is the time the run
# began (UTC, as tmdb-fetch --fresh-since takes it). The caller names it, beside the state
# it keeps (debug.sh: files/sync.started, deploy.sh: the connection's folder); empty: none.
sync_marker=

# sync_begin: sets resume_options and resumed_at. A marker left by a run that did not
# finish: that run is resumed, --fresh-since its start (resumed_at), so the movies the
# destination committed since are not asked again (the marker keeps its time until a run
# finishes). Else this run's start goes into the marker, before anything is fetched, so
# every movie it commits is fresh since.
resume_options=()
resumed_at=
sync_begin() {
	local started=''
	resume_options=() resumed_at=
	[[ -n $sync_marker ]] || return 0
	if [[ -f $sync_marker ]]; then
		read -r started <"$sync_marker" || true
	fi
	if [[ $started =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]; then
		resume_options=(--fresh-since "$started")
		resumed_at=$started
		return 0
	fi
	sync_temporaries+=("$sync_marker.new")
	date -u +%Y-%m-%dT%H:%M:%SZ >"$sync_marker.new"
	mv "$sync_marker.new" "$sync_marker"
}

# sync_director ID JOB TYPE TARGET [LOAD-OPTION...]
# fetch -> director -> fetch movies -> shape -> load. The state the fetch starts from is
# read from the destination itself (tmdb-load --print-state), where each movie's ETags and
# memberships commit with its rows: it never claims what the destination lacks, whatever
# happened to it since, and a failed run leaves nothing to undo. With sync_marker set, a
# run that did not finish is resumed (sync_begin); the marker goes once the load committed.
sync_director() {
	local id=$1 job=$2 type=$3 target=$4
	shift 4
	local before
	before=$(mktemp "${TMPDIR:-/tmp}/tmdb-state.XXXXXX")
	sync_temporaries+=("$before")
	tmdb-load --print-state "$type" "$target" >"$before"
	sync_begin
	if [[ -n $resumed_at ]]; then
		echo "Resuming the sync started at $resumed_at that did not finish: movies fetched since are not asked again"
	fi
	echo "Syncing person $id, job $job..."
	sync_fetch "${fetch_options[@]}" --summary person "$id" |
		tmdb-director --sync --job "$job" |
		sync_fetch "${fetch_options[@]}" --summary --state "$before" "${resume_options[@]}" movie |
		tmdb-shape --all |
		tmdb-load "$@" "$type" "$target"
	[[ -z $sync_marker ]] || rm -f "$sync_marker"
}

# copy_state TYPE TARGET STATE: a copy of the committed state, for people to read; the
# next run reads the destination's own.
copy_state() {
	sync_temporaries+=("$3.new")
	tmdb-load --print-state "$1" "$2" >"$3.new"
	mv "$3.new" "$3"
	echo "State written: $3 ($(jq '.etags | length' "$3") ETags, $(jq '.members | length' "$3") memberships)"
}
