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
