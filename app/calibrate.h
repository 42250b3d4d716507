/* calibrate.h — `slsim calibrate LOG... --out FILE`: a scenario fitted to Lambda's REPORT
 * logs (models/trace/lambda_log.h, sim/fit.h), and the model checked against them. */
#ifndef SLSIM_CALIBRATE_H
#define SLSIM_CALIBRATE_H

#include "app/cli.h"

/* Exit status: 0, 2 for bad usage or a bad log (one line naming file:line), 1 when the
 * scenario cannot be written or the check cannot run. */
int calibrate_main(const cli_args *a);

#endif
