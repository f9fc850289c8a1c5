# The average review rating of each film, a bar per film in release order, earliest at the
# top, the title beside it (data: films.tsv).
dir = ARG1; name = ARG2; data = ARG3; out = ARG4; png_kind = ARG5; films = int(ARG6)
provenance = ARG7
# ARG8: the length of the longest title, at most 60.
longest = int(ARG8)
load dir . "/common.gp"
width = 1200
height = films > 24 ? 160 + 26 * films : 800
# Centred on the page, not over the plot, which the titles push to the right.
set label 5 name . " Films: Audience Reception Over Time" at screen 0.5, screen 1 - 40.0 / height \
  center font ",18" textcolor rgb "#222222"
set xlabel "Average Review Rating"
set grid xtics back ls 100
set xrange [0 : 10]
set xtics 0, 1, 10
set format y ""
set ytics 1 scale 0
set tmargin at screen 1 - 75.0 / height; set bmargin 5; set rmargin 6
# Room for the titles (at most 60 characters, about 8 pixels each) and "Film Name". Not the
# tic labels of the y axis, which gnuplot would make room for itself: those would not keep a
# title with quotes or backslashes as it is.
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
  load dir . "/terminal.gp"
  if (films > 0) {
    plot data using (0):1:(0):6:($1 - 0.34):($1 + 0.34) with boxxyerror lc rgb "#2c7bb6", \
         data using (0):1:10 with labels right offset char -1, 0 font ",11" textcolor rgb "#1a1a1a", \
         data using (($7 == 1 && !inside($6)) ? $6 : NaN):1:8 with labels left offset char 0.6, 0 font ",11" textcolor rgb "#1a1a1a", \
         data using (($7 == 1 && inside($6)) ? $6 : NaN):1:8 with labels right offset char -0.6, 0 font ",11" textcolor rgb "white", \
         data using ($7 == 0 ? 0 : NaN):1:8 with labels left offset char 0.6, 0 font ",11" textcolor rgb "#888888"
  } else {
    plot NaN
  }
  set output
}
