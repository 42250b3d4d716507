/* window.h — whether a scenario's measured window stands for a month: the traffic's period
 * (a diurnal source's day, an on/off source's mean cycle, a schedule's period) against the
 * window's length.
 *
 * Monthly figures scale the window to a 730-hour month, so they assume the window repeats
 * all month. A window shorter than the traffic's period measures part of a cycle (two night
 * hours of a diurnal day) and prices the month as if every hour were like it; a run warns,
 * and a study measures whole periods unless --duration says otherwise. */
#ifndef SLSIM_WINDOW_H
#define SLSIM_WINDOW_H

#include <stdbool.h>
#include <stddef.h>

#include "models/world.h"

typedef struct window_period {
    double period_s;        /* the longest period of the traffic; 0: nothing periodic */
    bool   mean_cycle;      /* an on/off source's mean cycle, not a clock period */
    int    source;          /* the source it comes from, or -1 (a schedule; none) */
    char   what[200];       /* "source api: diurnal, 24 h" */
} window_period;

/* The longest period of spec's traffic sources and schedules. */
void window_period_of(const world_spec *spec, window_period *p);
/* When spec's measured window is shorter than its traffic's period, writes what it covers
 * and what the monthly figures then assume into buf (one paragraph, no newline) and returns
 * true; else returns false. */
bool window_warning(const world_spec *spec, char *buf, size_t size);
/* A length for humans: "2 h", "90 min", "45 s", "24 h", "7 d". */
void window_length(double seconds, char *buf, size_t size);

#endif
