#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The seed's production step, made real: set up a named connection that syncs a
# director's films into a PostgreSQL, SQLite or CSV destination, run it, schedule it.
set -euo pipefail

usage() {
	local text
	text=$(cat <<'USAGE'
usage: deploy.sh [--account A] [--destination D] [--connection C] [--director ID|NAME]
                 [--job JOB] [--yes] [--run | --schedule CRON | --print-cron | --unschedule]
                 [--wait]

Finds config.json in this folder or the nearest parent, takes the account's TMDB
credential and the destination from it, and runs one incremental sync of the
connection (the default, or --run), installs its crontab entry (--schedule), prints
that entry (--print-cron), or removes it (--unschedule).

options:
  --account A         account in config.json (prompt default MDS_DATABRICKS_HOL)
  --destination D     destination in config.json (prompt default ADLS_UNITY_CATALOG)
  --connection C      connection name (prompt default default-connection)
  --director ID|NAME  TMDB person id or name (default 525)
  --job JOB           crew job to follow (default Director)
  --yes               take the defaults for whatever was not given, without prompting
  --run               one incremental sync (the default action)
  --schedule CRON     install or update the connection's one crontab entry; CRON is
                      five cron fields ('15 3 * * *', '*/30 * * * mon-fri') or one of
                      @hourly @daily @midnight @weekly @monthly @yearly @annually
  --print-cron        print the entry --schedule would install, without installing it
                      or creating anything (its CRON: --schedule's, else the last one
                      scheduled, else '0 3 * * *')
  --unschedule        remove the connection's crontab entry (needs only --connection)
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
state.json, sync.log, settings.json, cron.log and the lock that serializes its runs;
the crontab entry carries TMDB_DEPLOY_HOME, so a cron run uses the same folder. A sync
that did not finish leaves sync.started there, the time it began; the next run resumes
it: movies the destination committed since that time are not fetched again.
Exit: 0 ok, 64 usage or missing value, 69 a needed tool is missing, 75 the connection is
already syncing, 78 config.json missing, not valid JSON, or without the account or
destination; a failed sync exits with the failing program's status.
USAGE
	)
	printf '%s\n' "${text/#usage: deploy.sh/usage: $prog}"
}

# The name it was run by (tmdb-NAME once installed), in its messages and usage.
prog=${0##*/}

# Installed, this script is reached through a symlink in bin/: its helpers are beside the real file.
here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
# shellcheck source=sync.bash
source "$here/sync.bash"
sync_use_built_programs "$here"

account='' destination='' connection='' director='' job=Director
yes=0 wait_for_lock=0 action=run cron=

parse_options() {
	while [[ $# -gt 0 ]]; do
		case $1 in
		--account | --destination | --connection | --director | --job | --schedule)
			[[ $# -ge 2 && -n $2 ]] || fail "$1 needs a value"
			case $1 in
			--account) account=$2 ;;
			--destination) destination=$2 ;;
			--connection) connection=$2 ;;
			--director)
				sync_valid_director "$2" ||
					fail "--director '$2': not a TMDB person id (a positive number) or a name"
				director=$2
				;;
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
		--unschedule) action=unschedule ;;
		--wait) wait_for_lock=1 ;;
		-h | --help) usage; exit 0 ;;
		--version) echo "$prog $(cat "$here/VERSION")"; exit 0 ;;
		*) fail "unknown option '$1'" ;;
		esac
		shift
	done
	# After the loop, so --help anywhere still wins.
	[[ -z $cron ]] || check_cron "$cron"
}

# check_field VALUE LOW HIGH [NAME...]: VALUE is one cron field: a list of *, N or N-M,
# each with an optional /STEP; the NAMEs (jan feb ... or sun mon ...) count from LOW.
check_field() {
	local value=$1 low=$2 high=$3 item range step from to
	shift 3
	local -a items
	# The added comma keeps a trailing empty item, which read would drop.
	IFS=, read -r -a items <<<"$value,"
	for item in "${items[@]}"; do
		range=${item%%/*}
		if [[ $item == */* ]]; then
			step=${item#*/}
			[[ $step =~ ^[0-9]{1,2}$ ]] && ((10#$step > 0)) || return 1
		fi
		[[ $range != '*' ]] || continue
		[[ $range =~ ^([^-]+)(-([^-]+))?$ ]] || return 1
		from=$(cron_number "${BASH_REMATCH[1]}" "$low" "$high" "$@") || return 1
		to=$(cron_number "${BASH_REMATCH[3]:-${BASH_REMATCH[1]}}" "$low" "$high" "$@") || return 1
		((from <= to)) || return 1
	done
}

# cron_number WORD LOW HIGH [NAME...]: the number WORD stands for, if within LOW..HIGH.
cron_number() {
	local word=${1,,} low=$2 high=$3 number name
	shift 3
	number=$low
	for name in "$@"; do
		if [[ $word == "$name" ]]; then
			echo "$number"
			return 0
		fi
		((++number))
	done
	[[ $word =~ ^[0-9]{1,2}$ ]] && ((10#$word >= low && 10#$word <= high)) || return 1
	echo "$((10#$word))"
}

# check_cron CRON: five valid fields or a nickname, or exit 64 before anything is touched.
check_cron() {
	local -a fields
	case $1 in
	@hourly | @daily | @midnight | @weekly | @monthly | @yearly | @annually) return 0 ;;
	esac
	read -r -a fields <<<"$1"
	if [[ ${#fields[@]} -eq 5 && $1 != *$'\n'* ]] &&
		check_field "${fields[0]}" 0 59 &&
		check_field "${fields[1]}" 0 23 &&
		check_field "${fields[2]}" 1 31 &&
		check_field "${fields[3]}" 1 12 jan feb mar apr may jun jul aug sep oct nov dec &&
		check_field "${fields[4]}" 0 7 sun mon tue wed thu fri sat; then
		return 0
	fi
	fail "--schedule '$1': not a cron schedule (five fields: minute hour day month weekday, such as '15 3 * * *', or @hourly, @daily, @weekly, @monthly, @yearly)"
}

# The seed searched the current folder and then each parent for config.json.
find_config() {
	local dir=$PWD
	while :; do
		if [[ -f $dir/config.json ]]; then
			config=$dir/config.json
			config_dir=$dir
			check_config
			return
		fi
		[[ $dir != / ]] || fail "no config.json in $PWD or any parent folder" 78
		dir=$(dirname "$dir")
	done
}

# One line naming the file, before any jq that reads it can print its own parse error.
check_config() {
	local error
	if ! error=$(jq empty "$config" 2>&1); then
		fail "$config: not valid JSON: ${error%%$'\n'*}" 78
	fi
	[[ $(jq -r type "$config") == object ]] || fail "$config: not a JSON object" 78
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

# The account's credential goes to tmdb-fetch alone (sync_fetch), through its environment,
# never argv, and not to any other child.
export_credential() {
	local key token
	key=$(jq -r --arg a "$account" '.tmdb.api_keys[$a] // .fivetran.api_keys[$a] // empty' "$config") ||
		fail "$config: not valid JSON" 78
	token=$(jq -r --arg a "$account" '.tmdb.access_tokens[$a] // empty' "$config")
	if [[ -z $key && -z $token ]]; then
		echo "Error: Account name not found in config.json" >&2
		exit 78
	fi
	if [[ -n $token ]]; then
		sync_credentials=("TMDB_ACCESS_TOKEN=$token")
	else
		sync_credentials=("TMDB_API_KEY=$key")
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

# Sets deploy_home (absolute, for the cron line) and home; creates nothing.
connection_home() {
	[[ $connection =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] ||
		fail "connection name '$connection' must be letters, digits, '.', '_' or '-'"
	deploy_home=${TMDB_DEPLOY_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/tmdb-toolkit}
	[[ $deploy_home == /* ]] || deploy_home=$PWD/$deploy_home
	home=$deploy_home/$connection
}

make_connection_home() {
	mkdir -p "$home" || fail "$home: cannot create the connection's folder" 73
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
	sync_marker=$home/sync.started
	{
		echo "== $(date -u +%Y-%m-%dT%H:%M:%SZ) sync of $connection into $destination"
		resolve_director "$director"
		sync_director "$director_id" "$job" "$dest_type" "$dest_target" "${wait[@]}"
		copy_state "$dest_type" "$dest_target" "$home/state.json"
	} 2>&1 | tee -a "$home/sync.log"
}

# The one crontab line of this connection, found again by its marker comment, which ends
# it. It names the deploy home, so a run from cron (no XDG_STATE_HOME, maybe another HOME)
# keeps state.json and sync.log beside cron.log. cron reads % as a newline: escaped.
cron_line() {
	local self command
	self=$here/deploy.sh
	printf -v command 'cd %q && TMDB_DEPLOY_HOME=%q %q --run --yes --account %q --destination %q --connection %q --director %q --job %q >>%q 2>&1' \
		"$config_dir" "$deploy_home" "$self" "$account" "$destination" "$connection" "$director" "$job" \
		"$home/cron.log"
	printf '%s %s%s\n' "$cron" "${command//%/\\%}" "$(cron_marker)"
}

cron_marker() {
	printf ' # tmdb-toolkit:%s' "$connection"
}

# TMDB_CRONTAB points the tests (or another scheduler's shim) at a crontab command.
crontab_command() {
	crontab=${TMDB_CRONTAB:-crontab}
	command -v "$crontab" >/dev/null ||
		fail "no crontab command: apt-get install cron" 69
}

# The crontab without this connection's line: the lines that end with its exact marker
# go (a prefix of another connection's name does not match).
crontab_without_connection() {
	local current
	current=$("$crontab" -l 2>/dev/null || true)
	[[ -n $current ]] || return 0
	awk -v marker="$(cron_marker)" \
		'length($0) < length(marker) || substr($0, length($0) - length(marker) + 1) != marker' \
		<<<"$current"
}

install_cron() {
	local crontab kept
	crontab_command
	# Read whole before the new one is written: the two never overlap.
	kept=$(crontab_without_connection)
	{
		[[ -z $kept ]] || printf '%s\n' "$kept"
		cron_line
	} | "$crontab" -
	echo "Scheduled '$connection': $cron"
}

uninstall_cron() {
	local crontab kept
	crontab_command
	kept=$(crontab_without_connection)
	if [[ $kept == "$("$crontab" -l 2>/dev/null || true)" ]]; then
		echo "'$connection' has no crontab entry: nothing to remove"
		return 0
	fi
	if [[ -n $kept ]]; then
		printf '%s\n' "$kept" | "$crontab" -
	else
		"$crontab" - </dev/null
	fi
	if [[ -f $home/settings.json ]]; then
		jq '.cron = null' "$home/settings.json" >"$home/settings.json.new"
		mv "$home/settings.json.new" "$home/settings.json"
	fi
	echo "Unscheduled '$connection'"
}

main() {
	parse_options "$@"
	if [[ $action == unschedule ]]; then
		ask connection --connection "Enter a unique Connection Name" default-connection
		connection_home
		uninstall_cron
		return
	fi
	find_config
	ask account --account "Enter your Account Name" MDS_DATABRICKS_HOL
	ask destination --destination "Enter your Destination Name" ADLS_UNITY_CATALOG
	ask connection --connection "Enter a unique Connection Name" default-connection
	director=${director:-525}
	connection_home
	case $action in
	run)
		make_connection_home
		run_sync
		;;
	print-cron)
		saved_cron
		cron_line
		;;
	schedule)
		make_connection_home
		export_credential
		set_destination
		save_settings
		install_cron
		;;
	esac
}

main "$@"
