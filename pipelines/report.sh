#!/usr/bin/env bash
# report.sh: the seed's three Databricks charts, drawn from a warehouse's
# movie_analysis_view with sqlite3 and gnuplot, plus an HTML page showing them.
set -euo pipefail

# The name it was run by (tmdb-report once installed), in its messages and usage.
readonly PROG=${0##*/}
readonly EX_USAGE=64 EX_DATAERR=65 EX_NOINPUT=66 EX_UNAVAILABLE=69
readonly EX_SOFTWARE=70 EX_CANTCREAT=73

director_name='Christopher Nolan'
out_dir=''
db=''
db_abs=''
work=''
png_terminal=pngcairo
film_count=0
longest_title=0

usage() {
	local text
	text=$(cat <<-'EOF'
		usage: report.sh [--director-name NAME] [--out DIR] DB

		Draws the charts of the SQLite warehouse DB (its view movie_analysis_view)
		into DIR (default: report/ in the folder of DB):

		  financial.svg, financial.png   budget vs revenue, sized by cast, coloured by vote average
		  reception.svg, reception.png   average review rating per film, by release date
		  counters.svg, counters.png     the six headline numbers
		  counters.json                  the same numbers, exact
		  index.html                     a page showing the three charts and the films

		and prints the paths written, one per line.

		options:
		  --director-name NAME  name in the chart titles (default: Christopher Nolan)
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

# The work folder lives inside DIR, so finished files are renamed into place.
make_work_dir() {
	mkdir -p -- "$out_dir" 2>/dev/null || die "$EX_CANTCREAT" "$out_dir: cannot create folder"
	work=$(mktemp -d -- "$out_dir/.report.XXXXXX" 2>/dev/null) ||
		die "$EX_CANTCREAT" "$out_dir: cannot write in folder"
	trap 'rm -rf -- "$work"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# A string as a double-quoted gnuplot data field: gnuplot reads it back
# unchanged (backslash and quote escaped; tab and newline would split the row).
sql_gnuplot_string() {
	printf '%s' "'\"' || replace(replace(replace(replace(replace(coalesce($1, ''),"
	printf '%s' " '\\', '\\\\'), '\"', '\\\"'), char(9), ' '), char(10), ' '), char(13), ' ') || '\"'"
}

# An amount of money as text: $950, $12.3K, $123.4M, $1.08B, -$5.0M; null as a dash.
sql_money() {
	cat <<-EOF
		CASE WHEN $1 IS NULL THEN '–' ELSE
		  (CASE WHEN $1 < 0 THEN '-' ELSE '' END) || '\$' ||
		  CASE WHEN abs($1) >= 999995000 THEN printf('%.2fB', abs($1) / 1e9)
		       WHEN abs($1) >= 999950 THEN printf('%.1fM', abs($1) / 1e6)
		       WHEN abs($1) >= 999.95 THEN printf('%.1fK', abs($1) / 1e3)
		       ELSE printf('%.0f', abs($1)) END
		END
	EOF
}

# A number with DIGITS decimals; null as a dash (SQLite's printf makes it 0).
sql_fixed() {
	printf "CASE WHEN %s IS NULL THEN '–' ELSE printf('%%.%df', %s) END" "$1" "$2" "$1"
}

# Everything the charts and the page need, read in one transaction so they agree:
#   films.tsv     row, budget, revenue, vote average, cast size, review rating,
#                 rated (0/1), rating label, title, title shortened for the bars,
#                 title length, voted (0/1)
#   counters.tsv  column, row, value as text, label
#   counters.json the seed's six metrics, exact
#   films.jsonl   one object per film for the page's table
export_data() {
	local films counters errors
	films="SELECT row_number() OVER (ORDER BY release_date IS NULL, release_date, title, movie_id) - 1 AS idx, *
		FROM movie_analysis_view"
	counters="SELECT count(title) AS total_films,
		round(avg(budget), 2) AS average_budget,
		round(avg(revenue), 2) AS average_revenue,
		round(avg(vote_average), 2) AS average_rating,
		round(sum(profit), 2) AS total_profit,
		round(avg(cast_size), 0) AS average_cast_size
		FROM movie_analysis_view"
	errors=$(cd "$work" && query 2>&1 >/dev/null <<-EOF
		.headers off
		.mode list
		.separator "\t" "\n"
		.nullvalue ""
		BEGIN;
		.output films.tsv
		WITH f AS ($films)
		SELECT idx, coalesce(budget, 0), coalesce(revenue, 0), coalesce(vote_average, 0),
		  coalesce(cast_size, 0), coalesce(avg_review_rating, 0), avg_review_rating IS NOT NULL,
		  '"' || CASE WHEN avg_review_rating IS NOT NULL THEN printf('%.1f', avg_review_rating)
		              WHEN coalesce(review_count, 0) = 0 THEN 'no reviews'
		              ELSE 'no ratings' END || '"',
		  $(sql_gnuplot_string "title"),
		  $(sql_gnuplot_string "CASE WHEN length(title) > 60 THEN substr(title, 1, 59) || '…' ELSE title END"),
		  coalesce(length(title), 0), coalesce(vote_count, 0) > 0 AND vote_average IS NOT NULL
		FROM f ORDER BY idx;
		.output counters.tsv
		WITH m AS ($counters),
		c(col, row, value, label) AS (
		  SELECT 0, 0, CAST(total_films AS TEXT), 'Total Films' FROM m
		  UNION ALL SELECT 1, 0, $(sql_money average_budget), 'Average Budget' FROM m
		  UNION ALL SELECT 2, 0, $(sql_money average_revenue), 'Average Revenue' FROM m
		  UNION ALL SELECT 0, 1, $(sql_fixed average_rating 2), 'Average Rating' FROM m
		  UNION ALL SELECT 1, 1, $(sql_money total_profit), 'Total Profit' FROM m
		  UNION ALL SELECT 2, 1, $(sql_fixed average_cast_size 0), 'Average Cast Size' FROM m)
		SELECT col, row, $(sql_gnuplot_string value), $(sql_gnuplot_string label) FROM c;
		.output counters.json
		WITH m AS ($counters)
		SELECT json_object('total_films', total_films, 'average_budget', average_budget,
		  'average_revenue', average_revenue, 'average_rating', average_rating,
		  'total_profit', total_profit, 'average_cast_size', average_cast_size) FROM m;
		.output films.jsonl
		WITH f AS ($films)
		SELECT json_object('title', coalesce(title, ''), 'release_date', coalesce(release_date, '–'),
		  'budget', $(sql_money budget), 'revenue', $(sql_money revenue), 'profit', $(sql_money profit),
		  'vote_average', $(sql_fixed vote_average 1), 'cast_size', cast_size,
		  'review_count', review_count,
		  'avg_review_rating', $(sql_fixed avg_review_rating 1))
		FROM f ORDER BY idx;
		.output meta.tsv
		SELECT count(*), coalesce(max(min(length(title), 60)), 0) FROM movie_analysis_view;
		COMMIT;
	EOF
	) || die "$EX_DATAERR" "$db: cannot read movie_analysis_view: $(first_line "$errors")"
	IFS=$'\t' read -r film_count longest_title <"$work/meta.tsv"
	jq . "$work/counters.json" >"$work/counters.json.tmp" && mv -f -- "$work/counters.json.tmp" "$work/counters.json"
}

# gnuplot SCRIPT ARGS...: run a chart script; its own errors end the run.
run_gnuplot() {
	local script=$1 errors
	shift
	if ! errors=$(gnuplot -c "$work/$script" "$@" 2>&1 </dev/null); then
		printf '%s: gnuplot: %s\n' "$PROG" "$errors" >&2
		die "$EX_SOFTWARE" "$script failed"
	fi
	[[ -z $errors ]] || printf '%s: gnuplot: %s\n' "$PROG" "$errors" >&2
}

# Settings every chart shares. Each chart draws twice: SVG, then PNG (pngcairo,
# or libgd's png where cairo is missing).
write_common_gnuplot() {
	cat >"$work/common.gp" <<-'EOF'
		set encoding utf8
		set datafile separator "\t"
		set datafile commentschars ""
		set termoption noenhanced
		set style line 100 lc rgb "#d9d9d9" lw 1 dt 1
		set border lc rgb "#555555"
		set tics textcolor rgb "#333333"
		set title font ",18" textcolor rgb "#222222"
		set xlabel textcolor rgb "#333333" font ",13"
		set ylabel textcolor rgb "#333333" font ",13"
		unset key
		svg_font = "sans-serif,12"
		png_font = "DejaVu Sans,12"
	EOF
}

# Opens pass 1's SVG or pass 2's PNG; the chart sets pass, svg_out, png_out,
# png_kind, width and height first.
write_terminal_gnuplot() {
	cat >"$work/terminal.gp" <<-'EOF'
		if (pass == 1) {
		  set terminal svg size width, height font svg_font background rgb "white"
		  set output svg_out
		} else {
		  if (png_kind eq "pngcairo") {
		    set terminal pngcairo size width, height font png_font background rgb "white"
		  } else {
		    set terminal png size width, height font png_font background rgb "white"
		  }
		  set output png_out
		}
		set termoption noenhanced
	EOF
}

# Where each film's title goes around its point, so that titles do not cover
# each other or the points: the first of six places (right above, right below,
# left above, left below, above, below) free of overlap, else the least covered.
# Appends that place (0-5) to each row of films.tsv. The geometry mirrors
# financial.gp: its plot area, ranges, point sizes and label offsets, in pixels.
place_labels() {
	awk -F '\t' -v OFS='\t' '
	function overlap(ax0, ax1, ay0, ay1, bx0, bx1, by0, by1,   w, h) {
		w = (ax1 < bx1 ? ax1 : bx1) - (ax0 > bx0 ? ax0 : bx0)
		h = (ay1 < by1 ? ay1 : by1) - (ay0 > by0 ? ay0 : by0)
		return (w > 0 && h > 0) ? w * h : 0
	}
	{ line[NR] = $0; b[NR] = $2; r[NR] = $3; c[NR] = $5; len[NR] = $11
	  if ($2 > bmax) bmax = $2; if ($3 > rmax) rmax = $3; if ($5 > cmax) cmax = $5 }
	END {
		if (bmax <= 0) bmax = 1; if (rmax <= 0) rmax = 1; if (cmax <= 0) cmax = 1
		left = 120; right = 1044; bottom = 96; top = 720
		for (i = 1; i <= NR; i++) {
			px[i] = left + (b[i] / bmax + 0.04) / 1.26 * (right - left)
			py[i] = bottom + (r[i] / rmax + 0.05) / 1.17 * (top - bottom)
			rad[i] = 2.75 * (1.2 + 2.8 * sqrt(c[i] / cmax)) + 2
		}
		dx = 14; dy = 10; dy_far = 25; h = 13
		for (i = 1; i <= NR; i++) {
			w = len[i] * 6 + 4
			best = 0; best_cost = -1
			for (k = 0; k < 6; k++) {
				if (k < 4) {
					x0 = (k < 2) ? px[i] + dx : px[i] - dx - w
					yc = (k % 2 == 0) ? py[i] + dy : py[i] - dy
				} else {
					x0 = px[i] - w / 2
					yc = (k == 4) ? py[i] + dy_far : py[i] - dy_far
				}
				x1 = x0 + w; y0 = yc - h / 2; y1 = yc + h / 2
				cost = w * h - overlap(x0, x1, y0, y1, left, right, bottom, top)
				for (j = 1; j <= NR; j++)
					cost += overlap(x0, x1, y0, y1, px[j] - rad[j], px[j] + rad[j], py[j] - rad[j], py[j] + rad[j])
				for (j = 1; j < i; j++)
					cost += 2 * overlap(x0, x1, y0, y1, lx0[j], lx1[j], ly0[j], ly1[j])
				if (best_cost < 0 || cost < best_cost) { best = k; best_cost = cost; bx0 = x0; bx1 = x1; by0 = y0; by1 = y1 }
				if (cost == 0) break
			}
			lx0[i] = bx0; lx1[i] = bx1; ly0[i] = by0; ly1[i] = by1
			print line[i], best
		}
	}' "$work/films.tsv" >"$work/financial.tsv"
}

# ARG1 name, ARG2 data, ARG3 svg, ARG4 png, ARG5 png terminal, ARG6 films,
# ARG7 common.gp, ARG8 terminal.gp
draw_financial() {
	place_labels
	cat >"$work/financial.gp" <<-'EOF'
		load ARG7
		svg_out = ARG3; png_out = ARG4; png_kind = ARG5
		films = int(ARG6)
		width = 1200; height = 800
		set title ARG1 . " Films: Financial Performance Matrix"
		set xlabel "Budget (USD)"
		set ylabel "Revenue (USD)" offset -1, 0
		set grid xtics ytics back ls 100
		set lmargin at screen 0.10; set rmargin at screen 0.87
		set bmargin at screen 0.12; set tmargin at screen 0.90

		nice(r) = (m_ = 10.0 ** floor(log10(r)), f_ = r / m_, (f_ <= 1 ? 1 : f_ <= 2 ? 2 : f_ <= 2.5 ? 2.5 : f_ <= 5 ? 5 : 10) * m_)
		unit(v) = v >= 1e9 ? 1e9 : v >= 1e6 ? 1e6 : v >= 1e3 ? 1e3 : 1
		suffix(u) = u == 1e9 ? "B" : u == 1e6 ? "M" : u == 1e3 ? "K" : ""
		money(v, u) = v == 0 ? "$0" : sprintf("$%g%s", v, suffix(u))

		unvoted = 0
		if (films > 0) {
		  stats ARG2 using 2 nooutput name "B"
		  stats ARG2 using 3 nooutput name "R"
		  stats ARG2 using 5 nooutput name "C"
		  stats ARG2 using 12 nooutput name "VOTED"
		  xmax = B_max > 0 ? B_max : 1
		  ymax = R_max > 0 ? R_max : 1
		  cmax = C_max > 0 ? C_max : 1
		  unvoted = films - VOTED_sum
		  vmin = 0; vmax = 10
		  if (VOTED_sum > 0) {
		    stats ARG2 using ($12 == 1 ? $4 : NaN) nooutput name "V"
		    vmin = floor(V_min * 2) / 2.0; vmax = ceil(V_max * 2) / 2.0
		    if (vmax - vmin < 1) { vmin = vmin - 0.5; vmax = vmin + 1.5 }
		  }
		} else {
		  xmax = 1e8; ymax = 1e8; cmax = 1; vmin = 0; vmax = 10
		}
		xu = unit(xmax); yu = unit(ymax)
		xs = xmax / xu; ys = ymax / yu
		set xrange [-0.04 * xs : 1.22 * xs]
		set yrange [-0.05 * ys : 1.12 * ys]
		xstep = nice(xs / 6); ystep = nice(ys / 6)
		set xtics ("$0" 0)
		do for [i = 1 : int(1.22 * xs / xstep)] { set xtics add (money(i * xstep, xu) i * xstep) }
		set ytics ("$0" 0)
		do for [i = 1 : int(1.12 * ys / ystep)] { set ytics add (money(i * ystep, yu) i * ystep) }
		set cbrange [vmin : vmax]
		set cblabel "Vote average" font ",12"
		set palette defined (0 "#d7191c", 0.35 "#e8735a", 0.5 "#9e6aa8", 0.65 "#6a8fd0", 1 "#2c7bb6")
		set colorbox vertical user origin screen 0.905, screen 0.25 size screen 0.018, screen 0.6
		size(c) = 1.2 + 2.8 * sqrt(c / cmax)
		x(col) = column(col) / xu
		y(col) = column(col) / yu
		at(k) = column(13) == k ? x(2) : NaN

		if (films > 0) {
		  set label 3 "size: cast size" at screen 0.885, screen 0.19 left font ",10" textcolor rgb "#555555"
		}
		if (unvoted > 0) {
		  set label 4 "grey: no votes" at screen 0.885, screen 0.16 left font ",10" textcolor rgb "#555555"
		}
		if (films == 0) {
		  set label 1 "no films" at graph 0.5, graph 0.5 center font ",20" textcolor rgb "#777777"
		}
		do for [pass = 1:2] {
		  load ARG8
		  if (films > 0) {
		    plot ARG2 using (column(12) == 1 ? x(2) : NaN):(y(3)):(size($5)):4 with points pt 7 ps variable lc palette, \
		         ARG2 using (column(12) == 1 ? NaN : x(2)):(y(3)):(size($5)) with points pt 7 ps variable lc rgb "#9e9e9e", \
		         ARG2 using (x(2)):(y(3)):(size($5)) with points pt 6 ps variable lw 0.8 lc rgb "#333333", \
		         ARG2 using (at(0)):(y(3)):9 with labels left offset char 1.4, char 0.6 font ",10" textcolor rgb "#1a1a1a", \
		         ARG2 using (at(1)):(y(3)):9 with labels left offset char 1.4, char -0.6 font ",10" textcolor rgb "#1a1a1a", \
		         ARG2 using (at(2)):(y(3)):9 with labels right offset char -1.4, char 0.6 font ",10" textcolor rgb "#1a1a1a", \
		         ARG2 using (at(3)):(y(3)):9 with labels right offset char -1.4, char -0.6 font ",10" textcolor rgb "#1a1a1a", \
		         ARG2 using (at(4)):(y(3)):9 with labels center offset char 0, char 1.5 font ",10" textcolor rgb "#1a1a1a", \
		         ARG2 using (at(5)):(y(3)):9 with labels center offset char 0, char -1.5 font ",10" textcolor rgb "#1a1a1a"
		  } else {
		    plot NaN
		  }
		  set output
		}
	EOF
	run_gnuplot financial.gp "$director_name" "$work/financial.tsv" "$work/financial.svg" \
		"$work/financial.png" "$png_terminal" "$film_count" "$work/common.gp" "$work/terminal.gp"
}

draw_reception() {
	cat >"$work/reception.gp" <<-'EOF'
		load ARG7
		svg_out = ARG3; png_out = ARG4; png_kind = ARG5
		films = int(ARG6)
		longest = int(ARG9)
		width = 1200
		height = films > 24 ? 160 + 26 * films : 800
		# Centred on the page, not over the plot, which the titles push to the right.
		set label 5 ARG1 . " Films: Audience Reception Over Time" at screen 0.5, screen 1 - 40.0 / height \
		  center font ",18" textcolor rgb "#222222"
		set xlabel "Average Review Rating"
		set grid xtics back ls 100
		set xrange [0 : 10]
		set xtics 0, 1, 10
		set format y ""
		set ytics 1 scale 0
		set tmargin at screen 1 - 75.0 / height; set bmargin 5; set rmargin 6
		# Room for the titles (at most 60 characters, about 8 pixels each) and "Film Name".
		set lmargin at screen (longest < 8 ? 8 : longest) * 8.0 / width + 0.06
		set label 2 "Film Name" at screen 0.015, graph 0.5 rotate by 90 center font ",13" textcolor rgb "#333333"
		set style fill solid 0.9 noborder
		if (films > 0) {
		  set yrange [films - 0.4 : -0.6]
		} else {
		  set yrange [1 : 0]
		  set label 1 "no films" at graph 0.5, graph 0.5 center font ",20" textcolor rgb "#777777"
		}
		inside(r) = r >= 9

		do for [pass = 1:2] {
		  load ARG8
		  if (films > 0) {
		    plot ARG2 using (0):1:(0):6:($1 - 0.34):($1 + 0.34) with boxxyerror lc rgb "#2c7bb6", \
		         ARG2 using (0):1:10 with labels right offset char -1, 0 font ",11" textcolor rgb "#1a1a1a", \
		         ARG2 using (($7 == 1 && !inside($6)) ? $6 : NaN):1:8 with labels left offset char 0.6, 0 font ",11" textcolor rgb "#1a1a1a", \
		         ARG2 using (($7 == 1 && inside($6)) ? $6 : NaN):1:8 with labels right offset char -0.6, 0 font ",11" textcolor rgb "white", \
		         ARG2 using ($7 == 0 ? 0 : NaN):1:8 with labels left offset char 0.6, 0 font ",11" textcolor rgb "#888888"
		  } else {
		    plot NaN
		  }
		  set output
		}
	EOF
	run_gnuplot reception.gp "$director_name" "$work/films.tsv" "$work/reception.svg" \
		"$work/reception.png" "$png_terminal" "$film_count" "$work/common.gp" "$work/terminal.gp" \
		"$longest_title"
}

draw_counters() {
	cat >"$work/counters.gp" <<-'EOF'
		load ARG7
		svg_out = ARG3; png_out = ARG4; png_kind = ARG5
		films = int(ARG6)
		width = 1200; height = 800
		set title ARG1 . " Films: Headline Numbers"
		unset border; unset xtics; unset ytics; unset grid; unset colorbox
		set xrange [0 : 3]
		set yrange [2 : 0]
		set lmargin at screen 0.03; set rmargin at screen 0.97
		set tmargin at screen 0.88; set bmargin at screen 0.06
		do for [c = 0:2] {
		  do for [r = 0:1] {
		    set object (1 + c + 3 * r) rect from first c + 0.06, first r + 0.08 to first c + 0.94, first r + 0.92 \
		      fc rgb "#f1f5f9" fs solid 1.0 border rgb "#cbd5e1" behind
		  }
		}
		if (films == 0) {
		  set label 1 "no films" at screen 0.5, screen 0.03 center font ",14" textcolor rgb "#777777"
		}
		do for [pass = 1:2] {
		  load ARG8
		  plot ARG2 using ($1 + 0.5):($2 + 0.44):3 with labels center font ",40" textcolor rgb "#1f4e79", \
		       ARG2 using ($1 + 0.5):($2 + 0.72):4 with labels center font ",16" textcolor rgb "#475569"
		  set output
		}
	EOF
	run_gnuplot counters.gp "$director_name" "$work/counters.tsv" "$work/counters.svg" \
		"$work/counters.png" "$png_terminal" "$film_count" "$work/common.gp" "$work/terminal.gp"
}

write_index() {
	local source
	source=$(basename -- "$db")
	jq -rn --arg name "$director_name" --arg source "$source" --argjson films "$film_count" \
		--slurpfile counters "$work/counters.json" '
		def rows: [inputs] | map(@html "<tr><td>\(.title)</td><td>\(.release_date)</td><td class=\"n\">\(.budget)</td><td class=\"n\">\(.revenue)</td><td class=\"n\">\(.profit)</td><td class=\"n\">\(.vote_average)</td><td class=\"n\">\(.cast_size)</td><td class=\"n\">\(.review_count)</td><td class=\"n\">\(.avg_review_rating)</td></tr>") | join("\n");
		($name + " Films") as $title |
		"<!DOCTYPE html>
<html lang=\"en\">
<head>
<meta charset=\"utf-8\">
<title>\($title | @html)</title>
<style>
body { font-family: sans-serif; margin: 2em auto; max-width: 1240px; padding: 0 1em; color: #222; }
img { max-width: 100%; height: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #ddd; text-align: left; }
td.n { text-align: right; }
</style>
</head>
<body>
<h1>\($title | @html)</h1>
<p>\($films) films from movie_analysis_view in \($source | @html).</p>
<h2>\($title + ": Headline Numbers" | @html)</h2>
<p><img src=\"counters.svg\" alt=\"\("Headline numbers of " + $title | @html)\"></p>
<h2>\($title + ": Financial Performance Matrix" | @html)</h2>
<p><img src=\"financial.svg\" alt=\"\("Budget against revenue of " + $title | @html)\"></p>
<h2>\($title + ": Audience Reception Over Time" | @html)</h2>
<p><img src=\"reception.svg\" alt=\"\("Average review rating by release date of " + $title | @html)\"></p>
<h2>Films</h2>
<table>
<tr><th>Title</th><th>Released</th><th>Budget</th><th>Revenue</th><th>Profit</th><th>Vote average</th><th>Cast</th><th>Reviews</th><th>Review rating</th></tr>
\(rows)
</table>
</body>
</html>"' <"$work/films.jsonl" >"$work/index.html"
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
	check_db
	make_work_dir
	export_data
	write_common_gnuplot
	write_terminal_gnuplot
	draw_financial
	draw_reception
	draw_counters
	write_index
	publish
}

main "$@"
