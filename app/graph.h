/* graph.h — the architecture picture: a run's scenario drawn as a graph, with its figures.
 *
 * graph_write writes architecture.dot (Graphviz's DOT) into a results folder and has dot
 * draw it as architecture.svg and architecture.png (report.html shows the SVG first). The
 * graph has a node for each traffic source, each source's API gateway, and each component
 * (a shape and colour per kind), and an arrow for each way a request or message goes: a
 * source's requests, the calls a component waits for (component_kind.calls: solid), the
 * messages it hands over without waiting (.fanout, .sends: dashed) and those only failures
 * take (a dead-letter queue, an on_failure destination: dotted, red). Each node carries
 * the run's figures, means over replications, as summary.json holds them: its rate (per
 * second of the measured window), its p99 where it has one, its losses (red, count and
 * share, only when not zero) and its monthly cost.
 *
 * Every name from the scenario reaches dot only as the text of an HTML-like label, escaped
 * (markup characters as entities, control characters and bytes that are not UTF-8 as \xNN,
 * long names cut); node ids are slsim's own (s0, g0, c0). dot runs without a shell
 * (app/spawn.h) inside the folder, on fixed file names. A scenario of more than
 * GRAPH_COMPONENTS_MAX components shows its costliest ones and one node for the rest. */
#ifndef SLSIM_GRAPH_H
#define SLSIM_GRAPH_H

#include <stdbool.h>
#include <stdio.h>

#include "app/report.h"

#define GRAPH_COMPONENTS_MAX 30
#define GRAPH_SOURCES_MAX    12
#define GRAPH_NAME_MAX       48   /* characters of a name shown before it is cut with "…" */

/* Appends the DOT text of run r's architecture to t (t->oom set when memory ran out). */
void graph_dot(const run_result *r, text *t);

/* Writes dir/architecture.dot and, when render, runs dot to write dir/architecture.svg and
 * dir/architecture.png. A picture dot cannot make (dot not installed, failed, or slower
 * than $SLSIM_PLOT_TIMEOUT seconds) is skipped with one line on msg (may be NULL): no
 * failure, and no half-written picture. Returns 0, or -1 with a message in err when the
 * DOT file cannot be written. */
int  graph_write(const run_result *r, const char *dir, bool render, FILE *msg, char *err, size_t err_size);


#endif
