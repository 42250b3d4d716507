# costcurve.gp — monthly cost against monthly volume per variant, log-log, break-even volumes marked.
# gnuplot -c costcurve.gp cost-curve.dat OUT TITLE break-even.csv
#   cost-curve.dat: one block per variant (blank lines between), first line "requests_per_month,<variant>"
load ARG0[1:strstrt(ARG0, "costcurve.gp") - 1] . "common.gp"
set logscale xy
set xlabel "requests a month"
set ylabel "USD a month"
set key top left
set title ARG3
stats ARG1 using 1 nooutput
blocks = STATS_blocks
nbe = 0
if (ARGC >= 4 && strlen(ARG4) > 0) {
    stats ARG4 using 1 skip 1 nooutput
    nbe = STATS_records
    do for [k=0:nbe-1] {
        stats ARG4 every ::k::k using 1 skip 1 nooutput
        set arrow (k + 1) from STATS_min, graph 0 to STATS_min, graph 1 nohead dt 2 lc rgb '#666666'
    }
}
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,560 font "sans,10" } else { set terminal svg size 900,560 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    plot for [i=0:blocks-1] ARG1 index i using 1:2 with linespoints ls (i + 1) title columnheader(2), \
         (nbe > 0 ? NaN : 1/0) with lines dt 2 lc rgb '#666666' title (nbe > 0 ? "break-even" : "")
    @saved
    unset output
}
