# Opens pass 1's SVG or pass 2's PNG (each chart draws twice); the chart sets pass, width
# and height first.
if (pass == 1) {
  set terminal svg size width, height font svg_font background rgb "white"
  set output out . ".svg"
} else {
  if (png_kind eq "pngcairo") {
    set terminal pngcairo size width, height font png_font background rgb "white"
  } else {
    set terminal png size width, height font png_font background rgb "white"
  }
  set output out . ".png"
}
set termoption noenhanced
