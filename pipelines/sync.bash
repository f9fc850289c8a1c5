# shellcheck shell=bash
# Shared by debug.sh and deploy.sh (sourced, not run): finding the programs, naming a
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

# What every tmdb-fetch call takes (--replay DIR or --config FILE); the caller sets it.
fetch_options=()
# Set by resolve_director.
director_id=''
director_name=

# resolve_director ID|NAME: sets director_id and director_name. A name is resolved with
# tmdb-fetch search, people known for Directing first; returns 65 when nobody matches.
resolve_director() {
	local wanted=$1 choice department
	if [[ $wanted =~ ^[0-9]+$ ]]; then
		director_id=$wanted
		director_name=$(tmdb-fetch -q "${fetch_options[@]}" get "/person/$wanted" | jq -r '.name // empty') ||
			director_name=
		echo "Director: ${director_name:-unknown name} (TMDB person $director_id)"
		return 0
	fi
	choice=$(tmdb-fetch "${fetch_options[@]}" search "$wanted" |
		jq -s -r 'sort_by(if .known_for_department == "Directing" then 0 else 1 end)
			| first // empty | "\(.id)\t\(.name)\t\(.known_for_department)"')
	if [[ -z $choice ]]; then
		echo "${0##*/}: no TMDB person named '$wanted'" >&2
		return 65
	fi
	IFS=$'\t' read -r director_id director_name department <<<"$choice"
	echo "Director: $director_name (TMDB person $director_id, known for $department)"
}

# sync_director ID JOB STATE INCREMENTAL LOAD-COMMAND...
# fetch -> director -> fetch movies -> shape -> load. The new state goes to a temporary
# file and replaces STATE only after the load has committed, so any failure leaves the
# previous state in place and the next run fetches again what was not loaded.
sync_director() {
	local id=$1 job=$2 state=$3 incremental=$4 state_in=()
	shift 4
	# Global: the EXIT trap runs after this function's locals are gone.
	sync_state_next=$(mktemp "$state.next.XXXXXX")
	trap 'rm -f "$sync_state_next"' EXIT
	if ((incremental)) && [[ -f $state ]]; then
		state_in=(--state "$state")
	fi
	echo "Syncing person $id, job $job..."
	tmdb-fetch "${fetch_options[@]}" --summary person "$id" |
		tmdb-director --job "$job" |
		tmdb-fetch "${fetch_options[@]}" --summary "${state_in[@]}" --state-out "$sync_state_next" movie |
		tmdb-shape --all |
		"$@"
	mv "$sync_state_next" "$state"
	trap - EXIT
	echo "State written: $state ($(jq '.etags | length' "$state") ETags)"
}
