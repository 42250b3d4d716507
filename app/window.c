/* window.c — the traffic's period against the measured window (see window.h).
 *
 * Periods: a diurnal source repeats every 24 h (unless its peak equals its trough: then it
 * is constant); an on/off source's mean cycle is mean_on_s + mean_off_s (when its two rates
 * differ); a rate schedule repeats every every_s; a cron schedule's fires repeat with the
 * smallest shift of the day (a divisor of 1,440 minutes) that maps its set of fire minutes
 * onto itself: every hour at :00 is 1 h, 02:00 daily is 24 h. Spikes are one-off events and
 * traces carry their own time: neither has a period here. */
#include "app/window.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/traffic.h"

void window_length(double s, char *buf, size_t size)
{
    if (s >= 172800 && fmod(s, 86400) == 0)
        snprintf(buf, size, "%g d", s / 86400);
    else if (s >= 3600 && fmod(s, 900) == 0)
        snprintf(buf, size, "%g h", s / 3600);
    else if (s >= 60 && fmod(s, 60) == 0)
        snprintf(buf, size, "%g min", s / 60);
    else if (s >= 172800)
        snprintf(buf, size, "%.3g d", s / 86400);
    else if (s >= 3600)
        snprintf(buf, size, "%.3g h", s / 3600);
    else
        snprintf(buf, size, "%.4g s", s);
}

/* A cron schedule's period in seconds: the smallest divisor d of the day's 1,440 minutes
 * with fire(m) == fire(m + d) for every minute m. at: the resolved at_minutes / at_hours
 * (null: all). */
static double cron_period(const cJSON *minutes, const cJSON *hours)
{
    bool minute[60], hour[24];
    for (int i = 0; i < 60; i++)
        minute[i] = cJSON_IsNull(minutes) || !minutes;
    for (int i = 0; i < 24; i++)
        hour[i] = cJSON_IsNull(hours) || !hours;
    const cJSON *e;
    if (cJSON_IsArray(minutes))
        cJSON_ArrayForEach(e, minutes)
            if (cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble < 60)
                minute[(int)e->valuedouble] = true;
    if (cJSON_IsArray(hours))
        cJSON_ArrayForEach(e, hours)
            if (cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble < 24)
                hour[(int)e->valuedouble] = true;
    for (int d = 1; d <= 1440; d++) {
        if (1440 % d)
            continue;
        bool same = true;
        for (int m = 0; m < 1440 && same; m++) {
            int n = (m + d) % 1440;
            same = (minute[m % 60] && hour[m / 60]) == (minute[n % 60] && hour[n / 60]);
        }
        if (same)
            return d * 60.0;
    }
    return 86400.0;
}

static void consider(window_period *p, double period, bool mean_cycle, int source, const char *what)
{
    if (period > p->period_s) {
        p->period_s = period;
        p->mean_cycle = mean_cycle;
        p->source = source;
        snprintf(p->what, sizeof p->what, "%s", what);
    }
}

void window_period_of(const world_spec *spec, window_period *p)
{
    memset(p, 0, sizeof *p);
    p->source = -1;
    char what[200], len[32], on[32], off[32];
    for (size_t i = 0; i < spec->n_sources; i++) {
        const source_spec *s = &spec->sources[i];
        if (s->process == ARRIVALS_DIURNAL && s->peak_to_trough != 1) {
            snprintf(what, sizeof what, "source %s: diurnal, 24 h", s->name);
            consider(p, 86400, false, (int)i, what);
        } else if (s->process == ARRIVALS_ONOFF && s->rate_on_per_s != s->rate_off_per_s) {
            double cycle = s->mean_on_s + s->mean_off_s;
            window_length(cycle, len, sizeof len);
            window_length(s->mean_on_s, on, sizeof on);
            window_length(s->mean_off_s, off, sizeof off);
            snprintf(what, sizeof what, "source %s: on/off, a mean cycle of %s (%s on, %s off)", s->name, len, on, off);
            consider(p, cycle, true, (int)i, what);
        }
    }
    const cJSON *comps = cJSON_GetObjectItemCaseSensitive(spec->resolved, "components");
    for (size_t i = 0; i < spec->n_components; i++) {
        if (strcmp(spec->components[i].kind->name, "schedule") != 0)
            continue;
        const cJSON *c = cJSON_GetArrayItem(comps, (int)i);
        const cJSON *every = cJSON_GetObjectItemCaseSensitive(c, "every_s");
        double period = cJSON_IsNumber(every) ? every->valuedouble
                      : cron_period(cJSON_GetObjectItemCaseSensitive(c, "at_minutes"),
                                    cJSON_GetObjectItemCaseSensitive(c, "at_hours"));
        window_length(period, len, sizeof len);
        snprintf(what, sizeof what, "schedule %s: every %s", spec->components[i].name, len);
        consider(p, period, false, -1, what);
    }
}

bool window_warning(const world_spec *spec, char *buf, size_t size)
{
    window_period p;
    window_period_of(spec, &p);
    if (!(p.period_s > 0) || spec->duration_s >= p.period_s * (1 - 1e-9))
        return false;
    char len[32], period[32], part[160] = "";
    window_length(spec->duration_s, len, sizeof len);
    window_length(p.period_s, period, sizeof period);
    /* A diurnal day: say which hours of it the window covers. */
    const source_spec *s = p.source >= 0 ? &spec->sources[p.source] : NULL;
    if (s && s->process == ARRIVALS_DIURNAL) {
        double from = fmod(s->start_hour + spec->warmup_s / 3600.0, 24.0);
        double to = fmod(from + spec->duration_s / 3600.0, 24.0);
        int from_min = (int)round(from * 60) % 1440, to_min = (int)round(to * 60) % 1440;
        int peak_min = (int)round(s->peak_hour * 60) % 1440;
        snprintf(part, sizeof part, ", %02d:%02d to %02d:%02d of the traffic's day (peak at %02d:%02d)",
                 from_min / 60, from_min % 60, to_min / 60, to_min % 60, peak_min / 60, peak_min % 60);
    }
    snprintf(buf, size, "the measured window is %s%s, shorter than the traffic's %s (%s): the monthly "
             "figures scale these %s to a %g-hour month as if every part of the %s were like them, and the "
             "latency and cold starts are theirs alone. Measure whole %ss: --duration %.0f",
             len, part, p.mean_cycle ? "mean cycle" : "period", p.what, len, spec->prices.month_hours,
             p.mean_cycle ? "cycle" : "period", p.mean_cycle ? "cycle" : "period", ceil(p.period_s));
    return true;
}
