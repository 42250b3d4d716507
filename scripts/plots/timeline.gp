# timeline.gp — the run over time, in up to three panels on one time axis: arrivals and
# completions; busy, instances, workflow executions and queue depth (right axis); cold starts
# and throttles.
# gnuplot -c timeline.gp timeseries.csv OUT TITLE   (writes OUT.png and OUT.svg)
#   timeseries.csv: t_start_s,t_end_s,arrivals,completions,throttles,cold_starts,concurrency,
#   instances,executions,queue_depth — one row per interval
# Every panel shares one x axis: the same range, set (never autoscaled per panel) from the
# first interval's start to the last one's end; the same margins, whether or not a panel has a
# right axis; the same unit, chosen by the run's length (seconds up to 2 h, minutes up to 6 h,
# hours up to 14 days, days beyond). Each value is drawn over its whole interval, the last (a
# shorter one, when the window is not a whole number of intervals) too: steps from the starts
# draw all but the last, fsteps from the ends all but the first, on the same lines. A series
# that is zero throughout is not drawn nor listed; a panel with none is left out.
load ARG0[1:strstrt(ARG0, "timeline.gp") - 1] . "common.gp"

stats ARG1 using 1 skip 1 nooutput
t_first = STATS_min
stats ARG1 using 2 skip 1 nooutput
t_last = STATS_max
stats ARG1 using ($2 - $1) skip 1 nooutput
per_interval = sprintf("per %g s interval", STATS_max)
array has[10]
do for [c=3:10] {
    stats ARG1 using c skip 1 nooutput
    has[c] = STATS_min != 0 || STATS_max != 0 ? 1 : 0
}

# The unit, by the last time shown; hours and minutes get tics at whole fractions of a day.
if (t_last <= 2 * 3600) {
    unit = "s"; scale = 1
} else { if (t_last <= 6 * 3600) {
    unit = "min"; scale = 60
} else { if (t_last <= 14 * 86400) {
    unit = "h"; scale = 3600
} else {
    unit = "d"; scale = 86400
} } }
span = (t_last - t_first) / scale
if (unit eq "min") { step = span <= 150 ? 15 : span <= 360 ? 30 : 60; set xtics step }
if (unit eq "h") { step = span <= 12 ? 1 : span <= 36 ? 3 : span <= 72 ? 6 : span <= 168 ? 12 : 24; set xtics step }
set xrange [t_first / scale : t_last / scale]

panels = (has[3] || has[4]) + (has[7] || has[8] || has[9] || has[10]) + (has[5] || has[6])
right_axis = has[10]
if (panels == 0) { print "timeline.gp: every series is zero: nothing to draw"; exit }
# The same margins on every panel (in screen units, so a right axis does not narrow its panel),
# the keys to the right of them.
set lmargin at screen 0.09
set rmargin at screen (right_axis ? 0.70 : 0.76)
set key at screen (right_axis ? 0.81 : 0.78), graph 1 left top Left reverse samplen 2 font ",9"
set ytics nomirror
set yrange [0:*]
set offsets 0, 0, graph 0.05, 0    # a peak stays below the panel's top edge
# The time axis's labels on the last panel only (a macro: expanded where the loop is read).
last_panel = 'drawn = drawn + 1; if (drawn == panels) { set format x "%g"; set xlabel "time (" . unit . ")" } else { set format x ""; set xlabel "" }'

do for [fmt in "png svg"] {
    if (fmt eq "png") { set terminal pngcairo size 900,800 font "sans,10" } else { set terminal svg size 900,800 dynamic font "sans,10" }
    set output ARG2 . "." . fmt
    set multiplot layout panels,1 title ARG3 noenhanced
    drawn = 0
    if (has[3] || has[4]) {
        @last_panel
        set ylabel per_interval
        plot for [i=1:has[3]] ARG1 using ($1 / scale):3 skip 1 with steps ls 1 title "arrivals", \
             for [i=1:has[3]] ARG1 using ($2 / scale):3 skip 1 with fsteps ls 1 notitle, \
             for [i=1:has[4]] ARG1 using ($1 / scale):4 skip 1 with steps ls 3 title "completions", \
             for [i=1:has[4]] ARG1 using ($2 / scale):4 skip 1 with fsteps ls 3 notitle
        @saved
    }
    if (has[7] || has[8] || has[9] || has[10]) {
        @last_panel
        set ylabel "mean level"
        if (right_axis) { set y2label "queue depth (messages)"; set y2tics; set y2range [0:*] }
        plot for [i=1:has[7]] ARG1 using ($1 / scale):7 skip 1 with steps ls 1 title "busy (concurrency)", \
             for [i=1:has[7]] ARG1 using ($2 / scale):7 skip 1 with fsteps ls 1 notitle, \
             for [i=1:has[8]] ARG1 using ($1 / scale):8 skip 1 with steps ls 4 title "instances", \
             for [i=1:has[8]] ARG1 using ($2 / scale):8 skip 1 with fsteps ls 4 notitle, \
             for [i=1:has[9]] ARG1 using ($1 / scale):9 skip 1 with steps ls 5 title "workflow executions", \
             for [i=1:has[9]] ARG1 using ($2 / scale):9 skip 1 with fsteps ls 5 notitle, \
             for [i=1:has[10]] ARG1 using ($1 / scale):10 skip 1 axes x1y2 with steps ls 6 title "queue depth (right)", \
             for [i=1:has[10]] ARG1 using ($2 / scale):10 skip 1 axes x1y2 with fsteps ls 6 notitle
        @saved
        unset y2label
        unset y2tics
    }
    if (has[5] || has[6]) {
        @last_panel
        set ylabel per_interval
        plot for [i=1:has[6]] ARG1 using ($1 / scale):6 skip 1 with steps ls 4 title "cold starts", \
             for [i=1:has[6]] ARG1 using ($2 / scale):6 skip 1 with fsteps ls 4 notitle, \
             for [i=1:has[5]] ARG1 using ($1 / scale):5 skip 1 with steps ls 2 title "throttles", \
             for [i=1:has[5]] ARG1 using ($2 / scale):5 skip 1 with fsteps ls 2 notitle
        @saved
    }
    unset multiplot
    unset output
}
