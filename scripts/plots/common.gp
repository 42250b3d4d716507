# common.gp — loaded by every slsim plot script: colours, fonts and the two outputs.
# Each script sets `plot_body` (a macro: the plot commands) and calls `render`.
set datafile separator ','
set style line 1 lc rgb '#1f77b4' lw 2
set style line 2 lc rgb '#d62728' lw 2
set style line 3 lc rgb '#2ca02c' lw 2
set style line 4 lc rgb '#ff7f0e' lw 2
set style line 5 lc rgb '#9467bd' lw 2
set style line 6 lc rgb '#8c564b' lw 2
set style increment user
set grid lc rgb '#dddddd'
set border lc rgb '#444444'
set key noenhanced
set title noenhanced
# For the tests: run with -e "slsim_settings='PREFIX'" and every panel's settings (ranges,
# scales, tics, labels) are saved, after it is drawn, to PREFIX-1.gp, PREFIX-2.gp, ...;
# each script writes `@saved` after each plot. slsim itself never defines slsim_settings.
saved_count = 0
saved = 'if (exists("slsim_settings")) { saved_count = saved_count + 1; save set sprintf("%s-%d.gp", slsim_settings, saved_count) }'
