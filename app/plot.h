/* plot.h — pictures of results with gnuplot (an external program), and nothing else.
 *
 * plot_dir looks at what a results folder holds (latency.csv, timeseries.csv, cost.csv,
 * compare-cost.csv, cost-curve.dat, sweep.dat, tune.csv) and runs the matching script of
 * scripts/plots/ on each, writing plot-<name>.png and .svg beside the data. gnuplot is
 * started without a shell (fork and exec: `gnuplot -c SCRIPT DATA OUT TITLE ...`) inside
 * the folder, and every file name it sees is a fixed one of slsim's (gnuplot runs a data
 * file named '<cmd' or an output named '|cmd' as a shell command: no user's path or name
 * ever reaches it as a file name; titles are string values, never parsed). Each plot is
 * written under a temporary name and renamed into place; gnuplot is killed when it takes
 * longer than $SLSIM_PLOT_TIMEOUT seconds (120) and when slsim dies. */
#ifndef SLSIM_PLOT_H
#define SLSIM_PLOT_H

#include <stdio.h>

/* Plots the results in dir; titles start with name (NULL: the scenario's name its
 * summary.json, or a sweep's sweep.json, records; else the folder's name). Returns the
 * number of plots made (0: nothing to plot), or -1 when gnuplot is missing (said once on
 * msg) or failed (its messages on msg). */
int plot_dir(const char *dir, const char *name, FILE *msg);

/* The folder of the plot scripts: $SLSIM_SCRIPTS, else scripts/plots beside the slsim
 * binary, else ./scripts/plots. */
const char *plot_scripts_dir(void);

#endif
