# The six headline numbers, each in its box with what it counts under it (data: counters.tsv).
dir = ARG1; name = ARG2; data = ARG3; out = ARG4; png_kind = ARG5; films = int(ARG6)
provenance = ARG7
load dir . "/common.gp"
width = 1200; height = 800
set title name . " Films: Headline Numbers"
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
  load dir . "/terminal.gp"
  plot data using ($1 + 0.5):($2 + 0.40):3 with labels center font ",40" textcolor rgb "#1f4e79", \
       data using ($1 + 0.5):($2 + 0.66):4 with labels center font ",16" textcolor rgb "#475569", \
       data using ($1 + 0.5):($2 + 0.82):5 with labels center font ",12" textcolor rgb "#64748b"
  set output
}
