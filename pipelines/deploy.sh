#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The seed's production step, made real: set up a named connection that syncs a
# director's films into a PostgreSQL, SQLite or CSV destination, run it, schedule it.
set -euo pipefail

usage() {
	cat <<'USAGE'
usage: deploy.sh [--account A] [--destination D] [--connection C] [--director ID|NAME]
                 [--job JOB] [--yes] [--run | --schedule CRON | --print-cron] [--wait]

Finds config.json in this folder or the nearest parent, takes the account's TMDB
credential and the destination from it, and runs one incremental sync of the
connection (the default, or --run), installs its crontab entry (--schedule), or
prints that entry (--print-cron).

options:
  --account A         account in config.json (prompt default MDS_DATABRICKS_HOL)
  --destination D     destination in config.json (prompt default ADLS_UNITY_CATALOG)
  --connection C      connection name (prompt default default-connection)
  --director ID|NAME  TMDB person id or name (default 525)
  --job JOB           crew job to follow (default Director)
  --yes               take the defaults for whatever was not given, without prompting
  --run               one incremental sync (the default action)
  --schedule CRON     install or update the connection's one crontab entry
  --print-cron        print the entry --schedule would install, without installing it
                      (its CRON: --schedule's, else the last one scheduled, else '0 3 * * *')
  --wait              wait for a sync of the same connection to finish instead of exiting 75
  -h, --help          this text
      --version       the version

Prompts appear only when standard input is a terminal; otherwise a value that is
neither given nor defaulted with --yes is an error (exit 64).

config.json:
  {"tmdb": {"api_keys": {"ACCOUNT": "v3 key"}, "access_tokens": {"ACCOUNT": "v4 token"}},
   "destinations": {"NAME": {"type": "postgres", "dsn": "postgresql://..."},
                    "NAME2": {"type": "sqlite", "path": "warehouse.db"},
                    "NAME3": {"type": "csv", "dir": "warehouse"}}}
The seed's .fivetran.api_keys.ACCOUNT is read too. Relative paths are relative to
config.json's folder.

Each connection lives in ${TMDB_DEPLOY_HOME:-~/.local/state/tmdb-toolkit}/CONNECTION:
state.json, sync.log, settings.json and the lock that serializes its runs.
Exit: 0 ok, 64 usage or missing value, 69 a needed tool is missing, 75 the connection is
already syncing, 78 config.json missing or without the account or destination; a failed
sync exits with the failing program's status.
USAGE
}

# Installed, this script is reached through a symlink in bin/: its helpers are beside the real file.
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=sync.bash
source "$here/sync.bash"
sync_use_built_programs "$here"

account='' destination='' connection='' director='' job=Director
yes=0 wait_for_lock=0 action=run cron=

fail() {
	echo "deploy.sh: $1" >&2
	exit "${2:-64}"
}

parse_options() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--account | --destination | --connection | --director | --job | --schedule)
			[[ $# -ge 2 && -n $2 ]] || fail "$1 needs a value"
			case $1 in
			--account) account=$2 ;;
			--destination) destination=$2 ;;
			--connection) connection=$2 ;;
			--director) director=$2 ;;
			--job) job=$2 ;;
			--schedule)
				cron=$2
				[[ $action == print-cron ]] || action=schedule
				;;
			esac
			shift
			;;
		--yes) yes=1 ;;
		--run) action=run ;;
		--print-cron) action=print-cron ;;
		--wait) wait_for_lock=1 ;;
		-h | --help) usage; exit 0 ;;
		--version) echo "deploy.sh $(cat "$here/VERSION")"; exit 0 ;;
		*) usage >&2; fail "unknown option '$1'" ;;
		esac
		shift
	done
}

# The seed searched the current folder and then each parent for config.json.
find_config() {
	local dir=$PWD
	while :; do
		if [[ -f $dir/config.json ]]; then
			config=$dir/config.json
			config_dir=$dir
			return
		fi
		[[ $dir != / ]] || fail "no config.json in $PWD or any parent folder" 78
		dir=$(dirname "$dir")
	done
}

# ask VARIABLE FLAG PROMPT DEFAULT: a given value wins; then --yes takes the default;
# then a terminal is asked; without one, the missing flag is named.
ask() {
	local -n value=$1
	local flag=$2 prompt=$3 default=$4 answer
	[[ -z $value ]] || return 0
	if ((yes)); then
		value=$default
	elif [[ -t 0 ]]; then
		read -r -p "$prompt [$default]: " answer
		value=${answer:-$default}
	else
		fail "no terminal to ask for $flag: give $flag (or --yes for the default '$default')"
	fi
}

# The account's credential goes to tmdb-fetch through the environment, never argv.
export_credential() {
	local key token
	key=$(jq -r --arg a "$account" '.tmdb.api_keys[$a] // .fivetran.api_keys[$a] // empty' "$config") ||
		fail "$config: not valid JSON" 78
	token=$(jq -r --arg a "$account" '.tmdb.access_tokens[$a] // empty' "$config")
	if [[ -z $key && -z $token ]]; then
		echo "Error: Account name not found in config.json" >&2
		exit 78
	fi
	unset TMDB_API_KEY TMDB_ACCESS_TOKEN
	if [[ -n $token ]]; then
		export TMDB_ACCESS_TOKEN=$token
	else
		export TMDB_API_KEY=$key
	fi
}

# Sets dest_type and dest_target; relative paths hang off config.json's folder.
set_destination() {
	local spec type target field
	spec=$(jq -c --arg d "$destination" '.destinations[$d] // empty' "$config")
	if [[ -z $spec ]]; then
		echo "Error: Destination name not found in config.json" >&2
		exit 78
	fi
	type=$(jq -r '.type // empty' <<<"$spec")
	case $type in
	postgres) field=dsn ;;
	sqlite) field=path ;;
	csv) field=dir ;;
	*) fail "$config: destination '$destination' has type '$type', not postgres, sqlite or csv" 78 ;;
	esac
	target=$(jq -r --arg f "$field" '.[$f] // empty' <<<"$spec")
	[[ -n $target ]] || fail "$config: destination '$destination' has no \"$field\"" 78
	if [[ $type != postgres && $target != /* ]]; then
		target=$config_dir/$target
	fi
	dest_type=$type dest_target=$target
	[[ $type == postgres ]] || mkdir -p "$(dirname "$target")"
}

connection_home() {
	[[ $connection =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
		fail "connection name '$connection' must be letters, digits, '.', '_' or '-'"
	home=${TMDB_DEPLOY_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/tmdb-toolkit}/$connection
	mkdir -p "$home"
}

# Runs of one connection never overlap: a second exits 75, or waits with --wait.
take_lock() {
	exec 9>>"$home/lock"
	if ((wait_for_lock)); then
		flock 9
	elif ! flock -n 9; then
		fail "connection '$connection' is already syncing (use --wait to queue behind it)" 75
	fi
}

# What the connection was last set up with: for people, and for --print-cron's schedule.
save_settings() {
	local previous_cron=''
	if [[ -f $home/settings.json ]]; then
		previous_cron=$(jq -r '.cron // empty' "$home/settings.json")
	fi
	jq -n --arg account "$account" --arg destination "$destination" --arg director "$director" \
		--arg job "$job" --arg config "$config" --arg cron "${cron:-$previous_cron}" \
		'{account: $account, destination: $destination, director: $director, job: $job,
		  config: $config, cron: (if $cron == "" then null else $cron end)}' \
		>"$home/settings.json.new"
	mv "$home/settings.json.new" "$home/settings.json"
}

saved_cron() {
	if [[ -z $cron && -f $home/settings.json ]]; then
		cron=$(jq -r '.cron // empty' "$home/settings.json")
	fi
	cron=${cron:-0 3 * * *}
}

# The connection's lock, then the destination's (the one debug.sh and tmdb-load take):
# always in that order, so two connections on one destination cannot deadlock.
run_sync() {
	local wait=()
	export_credential
	set_destination
	take_lock
	lock_destination "$dest_type" "$dest_target" "$wait_for_lock"
	if ((wait_for_lock)); then
		wait=(--wait)
	fi
	save_settings
	{
		echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) sync of $connection into $destination"
		resolve_director "$director"
		sync_director "$director_id" "$job" "$dest_type" "$dest_target" "${wait[@]}"
		copy_state "$dest_type" "$dest_target" "$home/state.json"
	} 2>&1 | tee -a "$home/sync.log"
}

# The one crontab line of this connection, found again by its marker comment.
cron_line() {
	local self
	self=$here/deploy.sh
	printf '%s cd %q && %q --run --yes --account %q --destination %q --connection %q --director %q --job %q >>%q 2>&1 # tmdb-toolkit:%s\n' \
		"$cron" "$config_dir" "$self" "$account" "$destination" "$connection" "$director" "$job" \
		"$home/cron.log" "$connection"
}

# TMDB_CRONTAB points the tests (or another scheduler's shim) at a crontab command.
install_cron() {
	local crontab=${TMDB_CRONTAB:-crontab} current
	command -v "$crontab" >/dev/null ||
		fail "no crontab command: apt-get install cron" 69
	current=$("$crontab" -l 2>/dev/null || true)
	{
		grep -v -F "# tmdb-toolkit:$connection" <<<"$current" | sed '/^$/d' || true
		cron_line
	} | "$crontab" -
	echo "Scheduled '$connection': $cron"
}

main() {
	parse_options "$@"
	find_config
	ask account --account "Enter your Account Name" MDS_DATABRICKS_HOL
	ask destination --destination "Enter your Destination Name" ADLS_UNITY_CATALOG
	ask connection --connection "Enter a unique Connection Name" default-connection
	director=${director:-525}
	connection_home
	case $action in
	run) run_sync ;;
	print-cron)
		saved_cron
		cron_line
		;;
	schedule)
		export_credential
		set_destination
		save_settings
		install_cron
		;;
	esac
}

main "$@"
