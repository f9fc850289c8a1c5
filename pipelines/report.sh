#!/usr/bin/env bash
# report.sh: the seed's three Databricks charts, drawn from a warehouse's
# movie_analysis_view with sqlite3 and gnuplot, plus an HTML page showing them.
# What it runs is in report/ beside it (installed: PREFIX/share/tmdb-toolkit/pipelines/report/):
# the query (data.sql), the charts (financial.gp, reception.gp, counters.gp, with common.gp
# and terminal.gp) and the page (index.html and row.html, filled by index.jq).
set -euo pipefail

# The name it was run by (tmdb-report once installed), in its messages and usage.
readonly PROG=${0##*/}
readonly EX_USAGE=64 EX_DATAERR=65 EX_NOINPUT=66 EX_UNAVAILABLE=69
readonly EX_SOFTWARE=70 EX_CANTCREAT=73

director_name='Christopher Nolan'
source='TMDB API'
synced=''
out_dir=''
db=''
db_abs=''
work=''
share=''
png_terminal=pngcairo
provenance=''
film_count=0
longest_title=0

usage() {
	local text
	text=$(cat <<-'EOF'
		usage: report.sh [--director-name NAME] [--source TEXT] [--synced TIME] [--out DIR] DB

		Draws the charts of the SQLite warehouse DB (its view movie_analysis_view)
		into DIR (default: report/ in the folder of DB):

		  financial.svg, financial.png   budget vs revenue, sized by cast, coloured by vote average
		  reception.svg, reception.png   average review rating per film, by release date
		  counters.svg, counters.png     the six headline numbers
		  counters.json                  the same numbers, exact
		  index.html                     a page showing the three charts and the films

		and prints the paths written, one per line. Each chart and the page say where the
		data came from and when it was synced, so a printed chart of sample data is not
		taken for TMDB's.

		options:
		  --director-name NAME  name in the chart titles (default: Christopher Nolan)
		  --source TEXT         where the data came from (default: TMDB API)
		  --synced TIME         when it was synced (default: when DB was last written)
		  --out DIR             folder to write into (created if missing)
		  -h, --help            print this help and exit
      --version         print the version and exit

		exit status: 0 done, 64 bad usage, 65 DB is not a warehouse (no view),
		66 DB cannot be read, 69 sqlite3, jq or gnuplot missing, 70 gnuplot failed,
		73 DIR cannot be written
	EOF
	)
	printf '%s\n' "${text/#usage: report.sh/usage: $PROG}"
}

die() {
	local status=$1
	shift
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit "$status"
}

# The error and where help is, as jq and curl do, rather than the whole usage.
bad_usage() {
	printf '%s: %s\n' "$PROG" "$1" >&2
	printf "Try '%s --help' for more information.\n" "$PROG" >&2
	exit "$EX_USAGE"
}

parse_args() {
	local -a operands=()
	while (($# > 0)); do
		case $1 in
		-h | --help) usage; exit 0 ;;
		--version) echo "$PROG $(cat "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/VERSION")"; exit 0 ;;
		--director-name) (($# > 1)) || bad_usage "$1 needs a value"; director_name=$2; shift ;;
		--director-name=*) director_name=${1#*=} ;;
		--source) (($# > 1)) || bad_usage "$1 needs a value"; source=$2; shift ;;
		--source=*) source=${1#*=} ;;
		--synced) (($# > 1)) || bad_usage "$1 needs a value"; synced=$2; shift ;;
		--synced=*) synced=${1#*=} ;;
		--out) (($# > 1)) || bad_usage "$1 needs a value"; out_dir=$2; shift ;;
		--out=*) out_dir=${1#*=} ;;
		--) shift; operands+=("$@"); break ;;
		-?*) bad_usage "unknown option: $1" ;;
		*) operands+=("$1") ;;
		esac
		shift
	done
	((${#operands[@]} == 1)) || bad_usage "expected one DB, got ${#operands[@]}"
	[[ -n $director_name ]] || bad_usage "the director name is empty"
	[[ -n $source ]] || bad_usage "the source is empty"
	[[ $source$synced != *[$'\n\r\t']* ]] || bad_usage "--source and --synced take one line"
	[[ -n ${operands[0]} ]] || bad_usage "the DB path is empty"
	db=${operands[0]}
	[[ -n $out_dir ]] || out_dir="$(dirname -- "$db")/report"
	case $db in
	/*) db_abs=$db ;;
	*) db_abs="$PWD/$db" ;;
	esac
}

check_tools() {
	local tool terminals
	for tool in sqlite3 jq gnuplot; do
		command -v "$tool" >/dev/null ||
			die "$EX_UNAVAILABLE" "$tool not found; install it: sudo apt-get install $(package_of "$tool")"
	done
	terminals=$(gnuplot -e 'set terminal' 2>&1 </dev/null || true)
	[[ $terminals == *svg* ]] ||
		die "$EX_UNAVAILABLE" "gnuplot has no svg terminal; install it: sudo apt-get install gnuplot-nox"
	if [[ $terminals != *pngcairo* ]]; then
		[[ $terminals == *png* ]] ||
			die "$EX_UNAVAILABLE" "gnuplot has no png terminal; install it: sudo apt-get install gnuplot-nox"
		png_terminal=png
	fi
}

package_of() {
	case $1 in
	gnuplot) echo gnuplot-nox ;;
	*) echo "$1" ;;
	esac
}

# sqlite3 on the DB, read-only, ignoring ~/.sqliterc, waiting out a writer.
query() {
	sqlite3 -batch -bail -readonly -init /dev/null -cmd '.timeout 5000' "$db_abs" "$@"
}

check_db() {
	local found
	[[ -e $db ]] || die "$EX_NOINPUT" "$db: no such file"
	[[ -f $db ]] || die "$EX_NOINPUT" "$db: not a regular file"
	[[ -r $db ]] || die "$EX_NOINPUT" "$db: cannot read (permission denied)"
	found=$(query "SELECT type FROM sqlite_master WHERE name = 'movie_analysis_view'" 2>&1) ||
		die "$EX_DATAERR" "$db: cannot read as SQLite: $(first_line "$found")"
	[[ -n $found ]] ||
		die "$EX_DATAERR" "$db: no view movie_analysis_view (is it a warehouse written by tmdb-load?)"
}

first_line() {
	local text=${1#Error: }
	text=${text#in prepare, }
	printf '%s' "${text%%$'\n'*}"
}

# The line under every chart and atop the page: the source, the sync time (unless given, when
# the warehouse was last written: SQLite's write-ahead log is newer than the file between
# checkpoints) and the warehouse's file. Through a symbolic link, the times are the file's.
set_provenance() {
	local file written wal
	if [[ -z $synced ]]; then
		file=$(readlink -f -- "$db")
		written=$(stat -c %Y -- "$file")
		if [[ -f $file-wal ]]; then
			wal=$(stat -c %Y -- "$file-wal")
			((wal <= written)) || written=$wal
		fi
		synced=$(date -u -d "@$written" '+%Y-%m-%d %H:%M UTC')
	fi
	provenance="Source: $source · synced $synced · $(basename -- "$db")"
}

# The work folder lives inside DIR, so finished files are renamed into place.
make_work_dir() {
	mkdir -p -- "$out_dir" 2>/dev/null || die "$EX_CANTCREAT" "$out_dir: cannot create folder"
	work=$(mktemp -d -- "$out_dir/.report.XXXXXX" 2>/dev/null) ||
		die "$EX_CANTCREAT" "$out_dir: cannot write in folder"
	trap 'rm -rf -- "$work"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# The query, the chart scripts and the templates: report/ beside this script (installed, it is
# reached through a symlink in bin/), or a broken install.
check_files() {
	local file
	share=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/report
	for file in data.sql common.gp terminal.gp financial.gp reception.gp counters.gp \
		index.html row.html index.jq; do
		[[ -r $share/$file ]] || die "$EX_SOFTWARE" "$share/$file: missing (is the toolkit installed whole?)"
	done
}

# Everything the charts and the page need, into the work folder (report/data.sql says what).
export_data() {
	local errors
	errors=$(cd "$work" && query 2>&1 >/dev/null <"$share/data.sql") ||
		die "$EX_DATAERR" "$db: cannot read movie_analysis_view: $(first_line "$errors")"
	IFS=$'\t' read -r film_count longest_title <"$work/meta.tsv"
	jq . "$work/counters.json" >"$work/counters.json.tmp" && mv -f -- "$work/counters.json.tmp" "$work/counters.json"
}

# draw CHART DATA [ARG...]: CHART.svg and CHART.png into the work folder, from report/CHART.gp
# and the work folder's DATA (report/common.gp says what gnuplot is given); its errors end the run.
draw() {
	local chart=$1 data=$2 errors
	shift 2
	# The charts are UTF-8 (common.gp): in the C locale gnuplot warns on every run.
	if ! errors=$(LC_ALL=C.UTF-8 gnuplot -c "$share/$chart.gp" "$share" "$director_name" "$work/$data" "$work/$chart" \
		"$png_terminal" "$film_count" "$provenance" "$@" 2>&1 </dev/null); then
		printf '%s: gnuplot: %s\n' "$PROG" "$errors" >&2
		die "$EX_SOFTWARE" "$chart.gp failed"
	fi
	[[ -z $errors ]] || printf '%s: gnuplot: %s\n' "$PROG" "$errors" >&2
}

# The page: report/index.html with a report/row.html per film.
write_index() {
	jq -njr --arg name "$director_name" --arg source "$(basename -- "$db")" --arg provenance "$provenance" \
		--argjson films "$film_count" --slurpfile counters "$work/counters.jsonl" --rawfile page "$share/index.html" --rawfile row "$share/row.html" -f "$share/index.jq" \
		<"$work/films.jsonl" >"$work/index.html"
}

# Rename the finished files into DIR and say where they are.
publish() {
	local file
	for file in financial.svg financial.png reception.svg reception.png \
		counters.svg counters.png counters.json index.html; do
		mv -f -- "$work/$file" "$out_dir/$file" || die "$EX_CANTCREAT" "$out_dir/$file: cannot write"
		printf '%s\n' "$out_dir/$file"
	done
}

main() {
	parse_args "$@"
	check_tools
	check_files
	check_db
	set_provenance
	make_work_dir
	export_data
	draw financial films.tsv
	draw reception films.tsv "$longest_title"
	draw counters counters.tsv
	write_index
	publish
}

main "$@"
