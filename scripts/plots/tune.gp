# tune.gp — right-sizing: cost per million invocations and p99 latency against memory.
# gnuplot -c tune.gp tune.csv OUT TITLE   (writes OUT.png and OUT.svg)
load ARG0[1:strstrt(ARG0, "tune.gp") - 1] . "common.gp"
set xlabel "memory (MB)"
set ylabel "USD per million invocations"
set y2label "latency p99 (ms)"
set ytics nomirror
set y2tics
set key top center
set title ARG3
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,560 font "sans,10" } else { set terminal svg size 900,560 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    plot ARG1 using 1:2:3 skip 1 with yerrorlines ls 1 title "cost per million (95% CI)", \
         ARG1 using 1:8 skip 1 axes x1y2 with linespoints ls 2 title "p99 latency"
    @saved
    unset output
}
