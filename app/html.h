/* html.h — results/<name>/report.html: one self-contained page to mail to a colleague or
 * open in class — the headline tables, the plots inline (their SVG), the per-component
 * figures, and the resolved scenario. No script, no external file. */
#ifndef SLSIM_HTML_H
#define SLSIM_HTML_H

#include "app/report.h"

/* Writes dir/report.html for the run r (the plots already in dir are inlined). Returns 0,
 * or -1 with a message in err. */
int html_report(const run_result *r, const char *dir, char *err, size_t err_size);

#endif
