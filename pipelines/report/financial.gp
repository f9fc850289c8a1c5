# Budget against revenue: a point per film, sized by its cast, coloured by its vote average
# (grey without votes), named by its title (data: films.tsv).
dir = ARG1; name = ARG2; data = ARG3; out = ARG4; png_kind = ARG5; films = int(ARG6)
provenance = ARG7
load dir . "/common.gp"
width = 1200; height = 800
set title name . " Films: Financial Performance Matrix"
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
  stats data using 2 nooutput name "B"
  stats data using 3 nooutput name "R"
  stats data using 5 nooutput name "C"
  stats data using 12 nooutput name "VOTED"
  xmax = B_max > 0 ? B_max : 1
  ymax = R_max > 0 ? R_max : 1
  cmax = C_max > 0 ? C_max : 1
  unvoted = films - VOTED_sum
  vmin = 0; vmax = 10
  if (VOTED_sum > 0) {
    stats data using ($12 == 1 ? $4 : NaN) nooutput name "V"
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

# The six places a title can take around its point: right above, right below, left above,
# left below, above, below. DY is the height of the title's middle over its point, in the
# terminal's characters, for the four beside it; the two over and under it clear the point.
array DY[6] = [0.6, -0.6, 0.6, -0.6, 0, 0]
title_font = ",10"; title_points = 10.0

# Each title takes the first place where it stays in the plot and covers no point and no
# title placed before it, else the least covered (PLACE[row + 1], 1-6). gnuplot draws a label
# only where it is told, so this works it out in pixels, with the plot area, the axes and the
# character size gnuplot reports after a first drawing, and puts each title at its place's
# pixels (TX, TY) rather than at a character offset, which would not clear a large point.
if (films > 0) {
  set terminal svg size width, height font svg_font
  set output "/dev/null"
  plot data using (x(2)):(y(3)) with points
  set output
  left = GPVAL_TERM_XMIN; right = GPVAL_TERM_XMAX; bottom = GPVAL_TERM_YMIN; top = GPVAL_TERM_YMAX
  xlo = GPVAL_X_MIN; xhi = GPVAL_X_MAX; ylo = GPVAL_Y_MIN; yhi = GPVAL_Y_MAX
  char_h = 1.0 * GPVAL_TERM_VCHAR / GPVAL_TERM_SCALE
  px(v) = left + (v - xlo) / (xhi - xlo) * (right - left)
  py(v) = bottom + (v - ylo) / (yhi - ylo) * (top - bottom)
  # A point's radius with its ring: terminal.gp has both terminals draw 3 pixels per unit of size.
  radius(c) = 3 * size(c) + 1.5
  # A title's box, 0.7 em a character (the PNG's DejaVu Sans; the SVG's sans-serif is
  # narrower) and 1.3 em high; it starts 3 pixels clear of its point.
  title_w(length) = length * 0.7 * title_points + 2
  title_h = 1.3 * title_points
  gap = 3
  min(a, b) = a < b ? a : b
  max(a, b) = a > b ? a : b
  span(a0, a1, b0, b1) = max(0, min(a1, b1) - max(a0, b0))
  cover(ax0, ax1, ay0, ay1, bx0, bx1, by0, by1) = span(ax0, ax1, bx0, bx1) * span(ay0, ay1, by0, by1)

  array PX[films]; array PY[films]; array PR[films]; array PW[films]
  array PLACE[films]; array TX[films]; array TY[films]
  array LX0[films]; array LX1[films]; array LY0[films]; array LY1[films]
  stats data using (n_ = int($1) + 1, PX[n_] = px(x(2)), PY[n_] = py(y(3)), PR[n_] = radius($5), \
    PW[n_] = title_w($11), 0) nooutput
  do for [i = 1:films] {
    do for [k = 1:6] {
      x0 = k <= 2 ? PX[i] + PR[i] + gap : k <= 4 ? PX[i] - PR[i] - gap - PW[i] : PX[i] - PW[i] / 2
      x1 = x0 + PW[i]
      ym = k <= 4 ? PY[i] + DY[k] * char_h : PY[i] + (k == 5 ? 1 : -1) * (PR[i] + gap + title_h / 2)
      y0 = ym - title_h / 2
      y1 = y0 + title_h
      cost = PW[i] * title_h - cover(x0, x1, y0, y1, left, right, bottom, top)
      do for [j = 1:films] {
        cost = cost + cover(x0, x1, y0, y1, PX[j] - PR[j], PX[j] + PR[j], PY[j] - PR[j], PY[j] + PR[j])
      }
      do for [j = 1:i - 1] {
        cost = cost + 2 * cover(x0, x1, y0, y1, LX0[j], LX1[j], LY0[j], LY1[j])
      }
      if (k == 1 || cost < best) {
        best = cost; PLACE[i] = k; LX0[i] = x0; LX1[i] = x1; LY0[i] = y0; LY1[i] = y1
        TX[i] = k <= 2 ? x0 : k <= 4 ? x1 : PX[i]; TY[i] = ym
      }
      if (cost < 0.001) { break }  # free, but for rounding
    }
  }
}
# A placed title's position in the axes' units, for the titles justified as place k is
# (1-2 left, 3-4 right, 5-6 centred); NaN for the others.
ax(p) = xlo + (p - left) / (right - left) * (xhi - xlo)
ay(p) = ylo + (p - bottom) / (top - bottom) * (yhi - ylo)
row_ = 0
placed(k) = (row_ = int(column(1)) + 1, PLACE[row_] == k || PLACE[row_] == k + 1 ? ax(TX[row_]) : NaN)
title_y(dummy) = ay(TY[int(column(1)) + 1])

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
  load dir . "/terminal.gp"
  if (films > 0) {
    plot data using (column(12) == 1 ? x(2) : NaN):(y(3)):(size($5)):4 with points pt 7 ps variable lc palette, \
         data using (column(12) == 1 ? NaN : x(2)):(y(3)):(size($5)) with points pt 7 ps variable lc rgb "#9e9e9e", \
         data using (x(2)):(y(3)):(size($5)) with points pt 6 ps variable lw 0.8 lc rgb "#333333", \
         data using (placed(1)):(title_y(0)):9 with labels left font title_font textcolor rgb "#1a1a1a", \
         data using (placed(3)):(title_y(0)):9 with labels right font title_font textcolor rgb "#1a1a1a", \
         data using (placed(5)):(title_y(0)):9 with labels center font title_font textcolor rgb "#1a1a1a"
  } else {
    plot NaN
  }
  set output
}
