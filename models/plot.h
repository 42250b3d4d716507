/* plot.h — pictures of results with gnuplot (an external program), and nothing else.
 *
 * plot_dir looks at what a results folder holds (latency.csv, timeseries.csv, cost.csv,
 * compare-cost.csv, cost-curve.dat, sweep.dat, tune.csv) and runs the matching script of
 * scripts/plots/ on each, writing plot-<name>.png and .svg beside the data. gnuplot is
 * started without a shell (fork and exec, arguments passed as they are: `gnuplot -c
 * SCRIPT DATA OUT TITLE ...`), so no file or scenario name is ever parsed as a command. */
#ifndef SLSIM_PLOT_H
#define SLSIM_PLOT_H

#include <stdio.h>

/* Plots the results in dir. Returns the number of plots made (0: nothing to plot), or -1
 * when gnuplot is missing (said once on msg) or failed (its messages on msg). */
int plot_dir(const char *dir, FILE *msg);

/* The folder of the plot scripts: $SLSIM_SCRIPTS, else scripts/plots beside the slsim
 * binary, else ./scripts/plots. */
const char *plot_scripts_dir(void);

#endif
