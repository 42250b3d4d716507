# latency.gp — the latency CDF on a log axis with p50, p95 and p99 marked.
# gnuplot -c latency.gp latency.csv OUT TITLE P50 P95 P99 [WHAT]   (writes OUT.png and OUT.svg)
# An empty P95 draws no p95 mark; WHAT names the curve (default "completed requests"):
# slsim gives "processed units of work" and work-latency.csv when every request is
# handed over asynchronously, so that the plot shows the pipeline's latency.
load ARG0[1:strstrt(ARG0, "latency.gp") - 1] . "common.gp"
what = (ARGC >= 7 && strlen(ARG7) > 0) ? ARG7 : "completed requests"
set logscale x
set xlabel "end-to-end latency (ms, log scale)"
set ylabel "share of " . what . " at or below"
set yrange [0:1.02]
set key bottom right
set title ARG3
p50 = real(ARG4); p99 = real(ARG6)
set arrow 1 from p50, graph 0 to p50, graph 1 nohead dt 2 lc rgb '#666666'
set arrow 3 from p99, graph 0 to p99, graph 1 nohead dt 2 lc rgb '#666666'
# A whole number with thousands separators, as slsim prints it: 12352 -> "12,352".
group(n) = n >= 1000 ? sprintf("%s,%03d", group(int(n / 1000)), int(n) % 1000) : sprintf("%d", int(n))
set label 1 sprintf("p50 %s ms", group(int(p50 + 0.5))) at p50, graph 0.30 rotate left offset -0.6,0 font ",9"
set label 3 sprintf("p99 %s ms", group(int(p99 + 0.5))) at p99, graph 0.30 rotate left offset -0.6,0 font ",9"
if (strlen(ARG5) > 0) {
    p95 = real(ARG5)
    set arrow 2 from p95, graph 0 to p95, graph 1 nohead dt 2 lc rgb '#666666'
    set label 2 sprintf("p95 %s ms", group(int(p95 + 0.5))) at p95, graph 0.30 rotate left offset -0.6,0 font ",9"
}
do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,560 font "sans,10" } else { set terminal svg size 900,560 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    plot ARG1 using 1:3 skip 1 with steps ls 1 title what
    @saved
    unset output
}
