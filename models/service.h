/* service.h — the `service` kind (a downstream dependency: database, cache, third-party
 * API) and the `pool` kind (a connection proxy that multiplexes callers onto a fixed set of
 * connections to a service). */
#ifndef SLSIM_SERVICE_H
#define SLSIM_SERVICE_H

#include "models/world.h"

extern const component_kind service_kind;
extern const component_kind pool_kind;

/* How a call reaches a service (network.c): inside the network (a database or cache in
 * the VPC, a proxy), DynamoDB (a gateway endpoint's), or a third party on the internet. */
enum { SERVICE_NET_PRIVATE, SERVICE_NET_DYNAMODB, SERVICE_NET_INTERNET };
int service_network(const void *spec);

#endif
