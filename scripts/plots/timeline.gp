# timeline.gp — arrivals, concurrency and instances, cold starts and throttles on shared time axes.
# gnuplot -c timeline.gp timeseries.csv OUT TITLE   (writes OUT.png and OUT.svg)
load ARG0[1:strstrt(ARG0, "timeline.gp") - 1] . "common.gp"
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,800 font "sans,10" } else { set terminal svg size 900,800 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    set multiplot layout 3,1 title ARG3 noenhanced
    set lmargin 12
    set format x ""
    set xlabel ""
    set ylabel "per interval"
    plot ARG1 using 1:3 skip 1 with steps ls 1 title "arrivals", \
         ARG1 using 1:4 skip 1 with steps ls 3 title "completions"
    set ylabel "mean level"
    set y2label "queue depth (messages)"
    set ytics nomirror
    set y2tics
    plot ARG1 using 1:7 skip 1 with steps ls 1 title "busy (concurrency)", \
         ARG1 using 1:8 skip 1 with steps ls 4 title "instances", \
         ARG1 using 1:9 skip 1 with steps ls 5 title "workflow executions", \
         ARG1 using 1:10 skip 1 axes x1y2 with steps ls 6 title "queue depth (right axis)"
    unset y2label
    unset y2tics
    set ytics mirror
    set format x "%g"
    set xlabel "time (s)"
    set ylabel "per interval"
    plot ARG1 using 1:6 skip 1 with steps ls 4 title "cold starts", \
         ARG1 using 1:5 skip 1 with steps ls 2 title "throttles"
    unset multiplot
    unset output
}
