/* schedule.h — the `schedule` component kind (rate or cron-like triggers). */
#ifndef SLSIM_SCHEDULE_H
#define SLSIM_SCHEDULE_H

#include "models/world.h"

extern const component_kind schedule_kind;

#endif
