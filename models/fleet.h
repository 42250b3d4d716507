/* fleet.h — the `container` (Fargate/ECS-like tasks behind a load balancer) and `vm`
 * (EC2-like instances in an autoscaling group) kinds: provisioned fleets that take the
 * same requests as a function, for comparisons with serverless. */
#ifndef SLSIM_FLEET_H
#define SLSIM_FLEET_H

#include "models/world.h"

extern const component_kind container_kind;
extern const component_kind vm_kind;

#endif
