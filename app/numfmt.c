/* numfmt.c — numbers as people read them (see numfmt.h). */
#include "app/numfmt.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void num_grouped(char *buf, size_t size, double x, int decimals)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "–");
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 12)
        decimals = 12;
    char digits[400];     /* DBL_MAX has 309 digits before the point */
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(x));
    bool zero = strspn(digits, "0.") == strlen(digits);   /* -0.001 to 2 decimals is 0.00 */
    char *point = strchr(digits, '.');
    size_t whole = point ? (size_t)(point - digits) : strlen(digits), k = 0;
    char out[540];
    if (x < 0 && !zero)
        out[k++] = '-';
    for (size_t i = 0; i < whole; i++) {
        if (i && (whole - i) % 3 == 0)
            out[k++] = ',';
        out[k++] = digits[i];
    }
    out[k] = '\0';
    snprintf(buf, size, "%s%s", out, point ? point : "");
}

/* A count rounded to one decimal: whole numbers without decimals. */
static void count(char *buf, size_t size, double x)
{
    x = round(x * 10) / 10;
    num_grouped(buf, size, x, x == floor(x) ? 0 : 1);
}

/* Decimals for a ratio: at least 4, more for a small one so that it keeps 3 significant
 * figures (0.00133, not 0.0013). */
static int ratio_decimals(double v)
{
    return isfinite(v) && v != 0 ? (int)fmax(4, fmin(12, 2 - floor(log10(fabs(v))))) : 4;
}

void num_pair(char *a, size_t na, char *b, size_t nb, double v, double ci, num_style s)
{
    switch (s) {
    case NUM_COUNT:
        count(a, na, v);
        count(b, nb, ci);
        break;
    case NUM_MONEY:
        /* Dollars to the cent; a half-width under half a cent keeps 2 significant figures
         * (a paired difference's ± 0.0056 is not "± 0.00"); below a millionth it is rounding. */
        num_grouped(a, na, v, 2);
        num_grouped(b, nb, ci, isfinite(ci) && fabs(ci) >= 1e-6 && fabs(ci) < 0.005
                                   ? (int)fmin(9, 1 - floor(log10(fabs(ci)))) : 2);
        break;
    case NUM_RATIO: {
        /* The half-width to 2 significant figures (± 0.000041, not ± 0.0000); 0 is "0". */
        int dv = ratio_decimals(v);
        num_grouped(a, na, v, dv);
        if (isfinite(ci) && ci != 0)
            num_grouped(b, nb, ci, (int)fmax(dv, fmin(12, 1 - floor(log10(fabs(ci))))));
        else
            num_grouped(b, nb, ci, 0);
        break;
    }
    case NUM_MS:
        num_grouped(a, na, v, 1);
        num_grouped(b, nb, ci, 1);
        break;
    }
    if (!isfinite(v))
        snprintf(a, na, "-");
    if (!isfinite(ci))
        snprintf(b, nb, "%s", "");
}

void num_cell(char *buf, size_t size, double v, double ci, double d, double dci, num_style s)
{
    char a[64], b[64], c[64], e[64];
    num_pair(a, sizeof a, b, sizeof b, v, isfinite(ci) ? ci : 0, s);
    if (!isfinite(v)) {
        snprintf(buf, size, "n/a");
        return;
    }
    if (!isfinite(d)) {
        snprintf(buf, size, "%s ± %s", a, b);
        return;
    }
    num_pair(c, sizeof c, e, sizeof e, d, isfinite(dci) ? dci : 0, s);
    snprintf(buf, size, "%s (%s%s ± %s)", a, d >= 0 ? "+" : "", c, e);
}

void num_volume(char *buf, size_t size, double x)
{
    static const struct { double scale; const char *word; } big[] = {
        { 1e12, "trillion" }, { 1e9, "billion" }, { 1e6, "million" } };
    for (size_t i = 0; isfinite(x) && i < sizeof big / sizeof big[0]; i++)
        if (fabs(x) >= big[i].scale * 0.9995) {
            double v = x / big[i].scale;
            char n[64];
            num_grouped(n, sizeof n, v, fabs(v) >= 99.95 ? 0 : fabs(v) >= 9.995 ? 1 : 2);
            snprintf(buf, size, "%s %s", n, big[i].word);
            return;
        }
    num_grouped(buf, size, x, 0);
}

static bool has(const char *s, const char *part) { return strstr(s, part) != NULL; }

num_style num_style_of(const char *figure)
{
    if (!strncmp(figure, "cost.", 5) || has(figure, "cost_usd") || has(figure, "monthly"))
        return NUM_MONEY;
    if (has(figure, "ratio") || has(figure, "share") || has(figure, "_vs_first"))
        return NUM_RATIO;
    if (!strncmp(figure, "latency_ms.", 11) || has(figure, "latency_ms") || has(figure, "_ms_") ||
        (strlen(figure) > 3 && !strcmp(figure + strlen(figure) - 3, "_ms")))
        return NUM_MS;
    return NUM_COUNT;
}
