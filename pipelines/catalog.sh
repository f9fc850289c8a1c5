#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The catalog recipe: a list of movie IDs (TMDB's daily export, gzip or plain) cut into
# blocks by GNU parallel and spread over local workers and ssh hosts, each block fetched,
# shaped and loaded into one PostgreSQL database.
set -euo pipefail

usage() {
	local text
	text=$(cat <<'USAGE'
usage: catalog.sh [options] DSN [FILE]

Loads every movie of an ID list into the PostgreSQL database DSN. FILE (default: standard
input, also -) is TMDB's daily export (movie_ids_MM_DD_YYYY.json.gz: one JSON object with
an "id" a line) or any list of IDs or such objects, gzip-compressed or plain. GNU parallel
cuts it into blocks of lines and runs, for each block, on this machine or a --sshlogin host:

  tmdb-load --print-state --ids BLOCK postgres DSN >STATE
  tmdb-fetch --rate R --rate-file F --etags --state STATE movie <BLOCK |
      tmdb-shape --all | tmdb-load --shared --wait postgres DSN

A movie the database has is asked again only if it changed (its ETag). A run that
did not finish is resumed by the next: the movies loaded since it started are not
asked again.

options:
  -j, --jobs N          workers at once on each host (default 4)
      --sshlogin LOGINS run the workers on these hosts, as GNU parallel's --sshlogin:
                        [N/][user@]host separated by commas, ':' for this machine;
                        repeatable. Each host needs the toolkit installed and its own
                        credentials (environment or --config FILE there)
      --rate R          requests per second of all W workers together (default 40): on
                        this machine alone they share one budget of R (--rate-file);
                        with --sshlogin each gets --rate R/W, rounded down; 0: no limit
      --block SIZE      bytes of ID lines per block (default 256k; k, M, G), each block
                        one fetch | shape | load
      --batch N         each load commits after N movies (default 500; 0: no limit)
      --batch-seconds S   and after S seconds (default 10; 0: no limit): what a
                        worker stopped or killed loses at most
  -c, --config FILE     tmdb-fetch's credentials file, at that path on every host
      --marker FILE     where a run notes when it started, until it finishes (default
                        $XDG_STATE_HOME/tmdb-toolkit/catalog-HASH.started, HASH of the
                        DSN, ~/.local/state without XDG_STATE_HOME): a run that finds
                        it resumes the run it names
  -q, --quiet           no per-block summaries, no warnings
  -h, --help            this text
      --version         the version

The credential reaches tmdb-fetch through its environment (TMDB_API_KEY,
TMDB_ACCESS_TOKEN) or --config, never a command line: remote hosts get none from here.
Keep the database password out of DSN (~/.pgpass or PGPASSWORD on each host).

Exit: 0 every block loaded, 64 usage, 65 FILE is not gzip or not ID lines, 66 FILE
cannot be read, 69 GNU parallel missing, 73 the marker cannot be written; a failed block stops the run (the other
running blocks are stopped and roll back) and exits with the failing program's
status, naming the block, the host and the program.
USAGE
	)
	printf '%s\n' "${text/#usage: catalog.sh/usage: $prog}"
}

# The name it was run by (tmdb-catalog once installed), in its messages and usage.
prog=${0##*/}

# Installed, this script is reached through a symlink in bin/: its helpers are beside the real file.
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=sync.bash
source "$here/sync.bash"
sync_use_built_programs "$here"

jobs=4
rate=40
block=256k
batch=500
batch_seconds=10
quiet=0
sshlogins=()
dsn=
input=-
marker=

parse_options() {
	local -a operands=()
	while [[ $# -gt 0 ]]; do
		case $1 in
		-j | --jobs | --sshlogin | --rate | --block | --batch | --batch-seconds | -c | --config | --marker)
			[[ $# -ge 2 && -n $2 ]] || fail "$1 needs a value"
			case $1 in
			-j | --jobs) jobs=$2 ;;
			--sshlogin) sshlogins+=("$2") ;;
			--rate) rate=$2 ;;
			--block) block=$2 ;;
			--batch) batch=$2 ;;
			--batch-seconds) batch_seconds=$2 ;;
			-c | --config) fetch_options+=(--config "$2") ;;
			--marker) marker=$2 ;;
			esac
			shift
			;;
		-q | --quiet) quiet=1 ;;
		-h | --help) usage; exit 0 ;;
		--version) echo "$prog $(cat "$here/VERSION")"; exit 0 ;;
		--) shift; operands+=("$@"); break ;;
		-?*) fail "unknown option '$1'" ;;
		*) operands+=("$1") ;;
		esac
		shift
	done
	# After the loop, so --help anywhere still wins.
	[[ $jobs =~ ^0*[1-9][0-9]*$ ]] || fail "--jobs '$jobs': not a positive number"
	[[ $rate =~ ^[0-9]+$ ]] || fail "--rate '$rate': not a number of requests per second"
	[[ $block =~ ^[1-9][0-9]*[kKmMgG]?$ ]] || fail "--block '$block': not a size (256k, 1M)"
	[[ $batch =~ ^[0-9]+$ ]] || fail "--batch '$batch': not a number of movies"
	[[ $batch_seconds =~ ^[0-9]+([.][0-9]+)?$ ]] || fail "--batch-seconds '$batch_seconds': not a number of seconds"
	((${#operands[@]} >= 1)) || fail "missing DSN"
	((${#operands[@]} <= 2)) || fail "too many operands: '${operands[2]}'"
	jobs=$((10#$jobs)) rate=$((10#$rate))
	dsn=${operands[0]}
	input=${operands[1]:--}
}

# The workers of one run: each --sshlogin entry runs --jobs of them, or the N of its N/.
count_workers() {
	local login entry count=0
	local -a entries
	if ((${#sshlogins[@]} == 0)); then
		echo "$jobs"
		return
	fi
	for login in "${sshlogins[@]}"; do
		IFS=, read -r -a entries <<<"$login"
		for entry in "${entries[@]}"; do
			if [[ $entry =~ ^([0-9]+)/ ]]; then
				count=$((count + 10#${BASH_REMATCH[1]}))
			elif [[ -n $entry ]]; then
				count=$((count + jobs))
			fi
		done
	done
	echo "$count"
}

# The rate of the workers on this machine alone: one token bucket in a file they share,
# so a worker waiting on its load leaves its share to the others.
local_rate_options() {
	local file
	file=$(mktemp "${TMPDIR:-/tmp}/tmdb-catalog-rate.XXXXXX")
	sync_temporaries+=("$file")
	fetch_options+=(--rate "$rate" --rate-file "$file")
}

# What each worker's tmdb-fetch and tmdb-load take besides the IDs and the DSN. A worker
# sees only these arrays: a new option of either program is one more word here.
set_worker_options() {
	local workers per_worker
	workers=$(count_workers)
	((workers > 0)) || fail "--sshlogin names no host"
	per_worker=$((rate / workers))
	if ((${#sshlogins[@]} == 0 && rate > 0)); then
		local_rate_options
	elif ((rate > 0 && per_worker == 0)); then
		fail "--rate $rate is less than one request a second for each of the $workers workers"
	else
		fetch_options+=(--rate "$per_worker")
	fi
	# The environment's endpoint travels with the workers, to other hosts too.
	if [[ -n ${TMDB_BASE_URL:-} ]]; then
		fetch_options+=(--base-url "$TMDB_BASE_URL")
	fi
	# The loads run side by side, each batch's movies locked (--shared), and wait for a
	# load that is not one of them (--wait).
	load_options=(--shared --wait --batch "$batch" --batch-seconds "$batch_seconds")
	if ((quiet)); then
		fetch_options+=(-q)
		load_options+=(-q)
	fi
}

# catalog_worker BLOCK DSN FETCH-OPTION... -- LOAD-OPTION...: one block of ID lines from
# standard input, fetched, shaped and loaded into DSN. GNU parallel runs it in bash -c, here
# or on another host through ssh, so it uses nothing but bash and the toolkit's programs.
# The block's movies' state, read from the database first, lets tmdb-fetch ask only what
# changed and skip what a resumed run loaded (--fresh-since among FETCH-OPTIONs); --etags
# has the new ETags commit with each movie. Only tmdb-fetch keeps the credential. A failure
# names the block, the host and each program that failed; the status is the pipeline's.
catalog_worker() {
	local block=$1 dsn=$2 status=0 host=${PARALLEL_SSHLOGIN:-:} i ids
	local -a fetch=() load=() statuses programs=(tmdb-fetch tmdb-shape tmdb-load)
	shift 2
	while [[ $# -gt 0 && $1 != -- ]]; do
		fetch+=("$1")
		shift
	done
	load=("${@:2}")
	[[ $host != : ]] || host="this machine"
	# In the run's folder, which the run removes at its end: a worker GNU parallel stops
	# with SIGKILL (another block failed, and it outlived the SIGTERMs) runs no trap. A
	# worker on another host has no such folder and relies on its trap alone.
	[[ -d ${TMDB_CATALOG_TMPDIR:-} ]] || local TMDB_CATALOG_TMPDIR=${TMPDIR:-/tmp}
	ids=$(mktemp "$TMDB_CATALOG_TMPDIR/tmdb-catalog-block.XXXXXX") || return 73
	# The names now: the trap runs after this function's locals are gone.
	# shellcheck disable=SC2064 # expanded now on purpose
	trap "rm -f $(printf '%q ' "$ids" "$ids.state")" EXIT
	trap 'exit 143' HUP INT TERM
	cat >"$ids"
	# From standard input, so a line that is no ID is named as tmdb-fetch names it: -:LINE.
	env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN tmdb-load --print-state --ids - postgres "$dsn" <"$ids" >"$ids.state" ||
		{
			status=$?
			echo "$0: block $block on $host: tmdb-load exited $status (reading the state of its movies)" >&2
			return "$status"
		}
	set -o pipefail
	tmdb-fetch "${fetch[@]}" --etags --state "$ids.state" movie <"$ids" |
		env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN tmdb-shape --all |
		env -u TMDB_API_KEY -u TMDB_ACCESS_TOKEN tmdb-load "${load[@]}" postgres "$dsn" ||
		statuses=("${PIPESTATUS[@]}") status=$?
	for i in 0 1 2; do
		if ((${statuses[i]:-0})); then
			echo "$0: block $block on $host: ${programs[i]} exited ${statuses[i]}" >&2
		fi
	done
	return "$status"
}

# The blocks' fate, from GNU parallel's job log (Seq Host ... Exitval Signal Command),
# which holds the blocks that ended: those a halt stopped are not in it.
report_blocks() {
	awk -F '\t' -v prog="$prog" -v quiet="$quiet" '
		NR == 1 { next }
		$7 == 0 && $8 == 0 { loaded++; next }
		{ failed = failed (failed == "" ? "" : ", ") "block " $1 " (" ($8 ? "signal " $8 : "exit " $7) ")" }
		END {
			loaded = loaded + 0 " block" (loaded == 1 ? "" : "s") " loaded"
			if (failed != "")
				printf "%s: %s, failed: %s; blocks still running were stopped, their loads rolled back\n",
					prog, loaded, failed
			else if (!quiet)
				printf "%s: %s\n", prog, loaded
		}' "$1" >&2
}

# GNU parallel runs catalog_worker from its text in TMDB_CATALOG_WORKER (--env carries it
# to other hosts), so the command it shows for a failed block is one line. gzip -dcf passes
# plain text through as it is: the export and a plain list alike.
run_workers() {
	local joblog status=0 login
	# shellcheck disable=SC2016 # expanded by the worker's shell, not this one
	local run_worker='eval "$TMDB_CATALOG_WORKER"'
	local -a statuses ssh=()
	# The run's folder: its job log and this host's workers' files.
	local -x TMDB_CATALOG_TMPDIR
	TMDB_CATALOG_TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/tmdb-catalog.XXXXXX") || return 73
	sync_temporaries+=("$TMDB_CATALOG_TMPDIR")
	joblog=$TMDB_CATALOG_TMPDIR/joblog
	for login in "${sshlogins[@]}"; do
		ssh+=(--sshlogin "$login")
	done
	local -x TMDB_CATALOG_WORKER
	# GNU parallel's remote side runs each command in the host's $SHELL; a host whose
	# environment names none (an ssh stand-in, a container exec) ran nothing and reported
	# success. /bin/sh is on every host and only starts bash -c.
	local -x PARALLEL_SHELL=${PARALLEL_SHELL:-/bin/sh}
	# shellcheck disable=SC2089,SC2090 # code for bash -c: its quotes are meant as code
	TMDB_CATALOG_WORKER="$(declare -f catalog_worker); catalog_worker \"\$@\""
	# --halt now: this parallel (20221122) never ends a --pipe run halted with "soon".
	gzip -dcf -- "$input" |
		sync_with_credentials parallel --will-cite --pipe --block "$block" -j "$jobs" "${ssh[@]}" \
			--env TMDB_CATALOG_WORKER --halt now,fail=1 --joblog "$joblog" -q \
			bash -c "$run_worker" "$prog" '{#}' "$dsn" "${fetch_options[@]}" -- "${load_options[@]}" ||
		statuses=("${PIPESTATUS[@]}") status=$?
	report_blocks "$joblog"
	# A halted run stops reading: gzip ends on SIGPIPE (141) then, not on bad input.
	if ((${statuses[0]:-0} != 0 && ${statuses[0]:-0} != 141)); then
		echo "$prog: $input: not gzip-compressed ID lines, or cut short" >&2
		((status)) || status=65
	fi
	return "$status"
}

# default_marker: where a run into $dsn notes its start, by a hash of the DSN (which may
# hold a password); nothing without a home to keep it in.
default_marker() {
	local base=${XDG_STATE_HOME:-${HOME:+$HOME/.local/state}}
	[[ -n $base ]] || return 0
	printf '%s/tmdb-toolkit/catalog-%s.started\n' "$base" "$(printf '%s' "$dsn" | sha256sum | cut -c 1-16)"
}

# begin_run: a run that did not finish is resumed, --fresh-since its start, so the movies
# the database committed since are not asked again; else this run's start is noted, before
# anything is fetched. The note goes once every block has loaded.
begin_run() {
	sync_marker=${marker:-$(default_marker)}
	[[ -n $sync_marker ]] || return 0
	local folder
	folder=$(dirname "$sync_marker")
	if ! mkdir -p "$folder" 2>/dev/null || [[ ! -w $folder ]]; then
		fail "$folder: cannot create the marker there" 73
	fi
	sync_begin
	if [[ -n $resumed_at ]]; then
		fetch_options+=("${resume_options[@]}")
		((quiet)) || echo "$prog: resuming the run that started at $resumed_at, not finished: movies loaded since are not asked again ($sync_marker)" >&2
	fi
}

main() {
	parse_options "$@"
	command -v parallel >/dev/null ||
		fail "GNU parallel is needed (Debian: apt-get install parallel)" 69
	if [[ $input != - && ! -r $input ]]; then
		fail "$input: cannot read" 66
	fi
	set_worker_options
	begin_run
	run_workers
	[[ -z $sync_marker ]] || rm -f "$sync_marker"
}

main "$@"
