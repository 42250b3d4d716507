# sweep.gp — each headline figure against the swept key, one line per value of a second key.
# gnuplot -c sweep.gp sweep.dat OUT TITLE XLABEL
#   sweep.dat: one block per value of the other key (blank lines between), first line a header
#   "x,<label>,..."; columns x, monthly cost, p99 (ms), cold-start ratio, throttled share
# The panels share one x axis, set from the swept values (a panel's own autoscale would drop
# the values where its figure is NaN); a log one when they are log-spaced
# (three or more positive values with one ratio between neighbours: FROM:TO:STEPS:log, or
# 128,256,512). The shares run from 0 to at most 1 (0 to 1 when they are 0 throughout). A
# figure with no value at any point (NaN throughout) has no panel.
load ARG0[1:strstrt(ARG0, "sweep.gp") - 1] . "common.gp"
stats ARG1 using 1 nooutput
blocks = STATS_blocks
x_min = STATS_min
x_max = STATS_max
log_spaced = 0
if (x_min > 0 && x_max > x_min) {
    prev = NaN
    stats ARG1 index 0 using (ratio = $1 / prev, prev = $1, ratio) nooutput
    log_spaced = exists("STATS_records") ? STATS_records >= 2 && abs(STATS_max / STATS_min - 1) < 1e-6 : 0
}
# A little room beyond the first and last values, so their points are not cut by the border.
if (log_spaced) {
    set logscale x
    pad = (x_max / x_min) ** 0.03
    set xrange [x_min / pad : x_max * pad]
} else { if (x_max > x_min) {
    pad = (x_max - x_min) * 0.03
    set xrange [x_min - pad : x_max + pad]
} }

array ylabel_of[5]
ylabel_of[2] = "USD a month"
ylabel_of[3] = "latency p99 (ms)"
ylabel_of[4] = "cold-start ratio"
ylabel_of[5] = "throttled share"
array has[5]
array top[5]
panels = 0
do for [c=2:5] {
    stats ARG1 using c nooutput    # no valid value: a warning, and no STATS_ variables
    has[c] = exists("STATS_records") ? STATS_records > 0 : 0
    top[c] = has[c] ? STATS_max : 0
    panels = panels + has[c]
}
if (panels == 0) { print "sweep.gp: no figure has a value at any point: nothing to draw"; exit }

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1000,760 font "sans,10" } else { set terminal svg size 1000,760 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    set multiplot layout (panels + 1) / 2, (panels > 1 ? 2 : 1) title ARG3 noenhanced
    set xlabel ARG4 noenhanced
    set key top right Left reverse font ",8" samplen 2 opaque box    # readable above the lines
    set lmargin 12    # one left margin: the panels of a column line up whatever their tic labels
    set format y "%g"
    do for [c=2:5] {
        if (has[c]) {
            set ylabel ylabel_of[c]
            if (c == 2) { set yrange [0:*] }
            if (c == 3) { set autoscale y }
            if (c >= 4) { if (top[c] > 0) { set yrange [0:*<1] } else { set yrange [0:1] } }
            plot for [i=0:blocks-1] ARG1 index i using 1:c with linespoints ls (i + 1) title columnheader(2)
            @saved
        }
    }
    unset multiplot
    unset output
}
