# Settings every chart shares. report.sh runs each chart as
#   gnuplot -c CHART.gp DIR NAME DATA OUT PNG FILMS PROVENANCE
# DIR the folder of these scripts, NAME the director's, DATA the chart's data (data.sql),
# OUT the path of the charts without .svg and .png, PNG the png terminal (pngcairo, or
# libgd's png where cairo is missing), FILMS the number of films, PROVENANCE the line saying
# the source and the sync time. A loaded file does not see ARG1..., so each chart names them
# before it loads this one.
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
# The terminal's font: the unit of margins and of offsets in characters.
font_points = 12
svg_font = sprintf("sans-serif,%d", font_points)
png_font = sprintf("DejaVu Sans,%d", font_points)
# The source and the sync time, bottom left, on every chart: a printed chart says what it shows.
set label 90 provenance at screen 0.01, screen 0.018 left font ",10" textcolor rgb "#666666"
