# shellcheck shell=bash
# bash completion for the tmdb toolkit. Options come from each command's own --help,
# so completion can never offer an option the command does not take; an option's value
# completes to what the option means (jobs, accounts, connections, people, ...).

# The bundled sample: beside this file in a checkout (pipelines/), or where make install
# puts it (PREFIX/share/tmdb-toolkit/pipelines, this file being in
# PREFIX/share/bash-completion/completions).
_tmdb_toolkit_here=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
_tmdb_toolkit_sample=
for _tmdb_toolkit_dir in "$_tmdb_toolkit_here/sample" "$_tmdb_toolkit_here/../../tmdb-toolkit/pipelines/sample"; do
	if [[ -d $_tmdb_toolkit_dir/person ]]; then
		_tmdb_toolkit_sample=$(cd "$_tmdb_toolkit_dir" && pwd)
		break
	fi
done
unset _tmdb_toolkit_dir

# Crew jobs as TMDB spells them, the usual ones first.
_tmdb_toolkit_jobs='Director
Producer
Executive Producer
Writer
Screenplay
Story
Novel
Characters
Editor
Director of Photography
Original Music Composer
Casting
Production Design
Co-Producer'

# The command's own --help: COMP_WORDS[0] as typed (pipelines/debug.sh, tmdb-fetch).
_tmdb_toolkit_options() {
	local command=$1
	# A typed ~/ is not expanded in COMP_WORDS.
	# shellcheck disable=SC2088
	[[ $command != "~/"* ]] || command=$HOME/${command#"~/"}
	"$command" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_tmdb_toolkit_commands() {
	case $1 in
	tmdb-fetch) echo person movie search get ;;
	tmdb-shape) tmdb-shape --schema 2>/dev/null | jq -r .stream 2>/dev/null ;;
	tmdb-load) echo sqlite csv postgres ;;
	esac
}

# _tmdb_toolkit_reply CUR < WORDS: the lines that start with CUR, escaped for the shell.
_tmdb_toolkit_reply() {
	local cur=${1//\\/} word
	COMPREPLY=()
	while IFS= read -r word; do
		[[ -n $word && $word == "$cur"* ]] || continue
		COMPREPLY+=("$(printf '%q' "$word")")
	done
}

# The nearest config.json, as deploy.sh finds it.
_tmdb_toolkit_config() {
	local dir=$PWD
	while [[ ! -f $dir/config.json ]]; do
		[[ $dir != / ]] || return 1
		dir=$(dirname "$dir")
	done
	echo "$dir/config.json"
}

_tmdb_toolkit_accounts() {
	local config
	config=$(_tmdb_toolkit_config) || return 0
	jq -r '[.tmdb.api_keys, .tmdb.access_tokens, .fivetran.api_keys]
		| map(objects | keys[]) | unique[]' "$config" 2>/dev/null
}

_tmdb_toolkit_destinations() {
	local config
	config=$(_tmdb_toolkit_config) || return 0
	jq -r '.destinations | objects | keys[]' "$config" 2>/dev/null
}

_tmdb_toolkit_connections() {
	local home=${TMDB_DEPLOY_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/tmdb-toolkit} dir
	for dir in "$home"/*/; do
		[[ -d $dir ]] && basename "$dir"
	done
}

# The sample's people: ids, then names (for --director-name, names only).
_tmdb_toolkit_people() {
	local file
	[[ -n $_tmdb_toolkit_sample ]] || return 0
	for file in "$_tmdb_toolkit_sample"/person/*/language=en-US.json; do
		[[ -f $file ]] || continue
		if [[ $1 != names ]]; then
			basename "$(dirname "$file")"
		fi
		jq -r '.name // empty' "$file" 2>/dev/null
	done
}

# _tmdb_toolkit_value NAME OPTION: the values OPTION takes for the command NAME (debug,
# deploy, report or a program's name); status 1 when it takes none we know.
_tmdb_toolkit_value() {
	case $1:$2 in
	director:--job | director:-j | debug:--job | deploy:--job) echo "$_tmdb_toolkit_jobs" ;;
	deploy:--account) _tmdb_toolkit_accounts ;;
	deploy:--destination) _tmdb_toolkit_destinations ;;
	deploy:--connection) _tmdb_toolkit_connections ;;
	debug:--director | deploy:--director) _tmdb_toolkit_people ;;
	report:--director-name) _tmdb_toolkit_people names ;;
	deploy:--schedule) printf '%s\n' @hourly @daily @midnight @weekly @monthly @yearly @annually ;;
	*) return 1 ;;
	esac
}

_tmdb_toolkit() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local command=${COMP_WORDS[0]##*/} name word has_command=0
	# tmdb-debug and pipelines/debug.sh are the same script.
	name=${command%.sh}
	name=${name#tmdb-}
	for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		[[ $word == -* ]] || has_command=1
	done
	if ((COMP_CWORD > 1)) && [[ $prev == -* ]]; then
		local values
		if values=$(_tmdb_toolkit_value "$name" "$prev"); then
			_tmdb_toolkit_reply "$cur" <<<"$values"
			return
		fi
	fi
	case $prev in
	--config | -c | --record | --replay | --state | --state-out | --rate-file | --out | --csv | --input)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_tmdb_toolkit_options "${COMP_WORDS[0]}")" -- "$cur")
	elif ((!has_command)) && [[ -n $(_tmdb_toolkit_commands "$command") ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_tmdb_toolkit_commands "$command")" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}

complete -F _tmdb_toolkit tmdb-fetch tmdb-director tmdb-shape tmdb-load tmdb-debug tmdb-deploy tmdb-report \
	tmdb-catalog debug.sh deploy.sh report.sh catalog.sh
