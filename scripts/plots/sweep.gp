# sweep.gp — each headline figure against the swept key, one line per value of a second key.
# gnuplot -c sweep.gp sweep.dat OUT TITLE XLABEL
#   sweep.dat: one block per value of the other key (blank lines between), first line a header
#   "x,<label>,..."; columns x, monthly cost, p99 (ms), cold-start ratio, throttled share
load ARG0[1:strstrt(ARG0, "sweep.gp") - 1] . "common.gp"
stats ARG1 using 1 nooutput
blocks = STATS_blocks
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 1000,760 font "sans,10" } else { set terminal svg size 1000,760 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    set multiplot layout 2,2 title ARG3 noenhanced
    set xlabel ARG4 noenhanced
    set key top left font ",8"
    set ylabel "USD a month"
    plot for [i=0:blocks-1] ARG1 index i using 1:2 with linespoints ls (i + 1) title columnheader(2)
    set ylabel "latency p99 (ms)"
    plot for [i=0:blocks-1] ARG1 index i using 1:3 with linespoints ls (i + 1) title columnheader(2)
    set ylabel "cold-start ratio"
    plot for [i=0:blocks-1] ARG1 index i using 1:4 with linespoints ls (i + 1) title columnheader(2)
    set ylabel "throttled share"
    plot for [i=0:blocks-1] ARG1 index i using 1:5 with linespoints ls (i + 1) title columnheader(2)
    unset multiplot
    unset output
}
