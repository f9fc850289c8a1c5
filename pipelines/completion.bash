# shellcheck shell=bash
# bash completion for the tmdb toolkit. Options come from each command's own --help,
# so completion can never offer an option the command does not take.

_tmdb_toolkit_options() {
	"$1" --help 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u
}

_tmdb_toolkit_commands() {
	case $1 in
	tmdb-fetch) echo person movie search get ;;
	tmdb-shape) tmdb-shape --schema 2>/dev/null | jq -r .stream 2>/dev/null ;;
	tmdb-load) echo sqlite csv postgres ;;
	esac
}

_tmdb_toolkit() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local command=${COMP_WORDS[0]##*/} word has_command=0
	for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		[[ $word == -* ]] || has_command=1
	done
	case $prev in
	--config | -c | --record | --replay | --state | --state-out | --out | --csv | --input)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_tmdb_toolkit_options "$command")" -- "$cur")
	elif ((!has_command)) && [[ -n $(_tmdb_toolkit_commands "$command") ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_tmdb_toolkit_commands "$command")" -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}

complete -F _tmdb_toolkit tmdb-fetch tmdb-director tmdb-shape tmdb-load tmdb-debug tmdb-deploy tmdb-report
