# Opens pass 1's SVG or pass 2's PNG (each chart draws twice); the chart sets pass, width
# and height first.
if (pass == 1) {
  set terminal svg size width, height font svg_font background rgb "white"
  set output out . ".svg"
  # The svg terminal draws a point of size 1 4.5 pixels wide from its middle, cairo 3 pixels:
  # the same points in both, as financial.gp's placing of titles expects.
  set pointsize 2.0 / 3
} else {
  if (png_kind eq "pngcairo") {
    set terminal pngcairo size width, height font png_font background rgb "white"
  } else {
    set terminal png size width, height font png_font background rgb "white"
  }
  set output out . ".png"
  set pointsize 1
}
set termoption noenhanced
