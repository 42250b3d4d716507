/* network.h — what the bytes of functions' calls cost on their way: the scenario's VPC
 * (platform.vpc: its zones, NAT gateways and VPC endpoints), the functions placed in it
 * ("vpc": true), and data transfer out to services on the internet. */
#ifndef SLSIM_NETWORK_H
#define SLSIM_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "models/world.h"

/* How a VPC reaches AWS services: none (all through the NAT gateways), gateway endpoints
 * (S3 and DynamoDB, free), or all (gateway endpoints and an interface endpoint for every
 * other AWS service its functions call). */
enum { ENDPOINTS_NONE, ENDPOINTS_GATEWAY, ENDPOINTS_ALL };

/* The AWS services an interface endpoint serves, one endpoint each (by the callee's kind). */
enum { IFACE_SQS, IFACE_SNS, IFACE_EVENTS, IFACE_KINESIS, IFACE_STATES, IFACE_LAMBDA, IFACE_SERVICES };

/* One call step's bytes, split by the way they went. GB in the measured window. */
typedef struct network_bytes {
    double nat_gb;          /* processed by a NAT gateway (both directions) */
    double inter_az_gb;     /* crossing zones to a NAT gateway in another zone (one way) */
    double interface_gb;    /* processed by interface endpoints */
    double gateway_gb;      /* through gateway endpoints (free) */
    double internet_out_gb; /* sent out to the internet (data transfer out) */
    unsigned iface_used;    /* bit IFACE_x: an interface endpoint carried bytes to that service */
} network_bytes;

/* Reads platform.vpc (absent: the scenario has no VPC). */
void network_parse(cfg_node *platform, network_spec *n, provider p);

/* Checks a function placed in the VPC can reach what it calls (at link); -1 with the
 * message in c when it cannot. */
int network_check_call(const world_spec *w, int target, cfg_node *c);

/* Adds the bytes of calls from a function (in the VPC or not) to target to b: out_gb sent,
 * in_gb received. */
void network_route(const world_spec *w, bool in_vpc, int target, double out_gb, double in_gb,
                   network_bytes *b);

/* Meters the network of a replication: each function's bytes (data processed by NAT
 * gateways and interface endpoints, zones crossed, data out to the internet) on that
 * function, and the VPC's hourly charges (NAT gateways, an interface endpoint per service
 * and zone) shared equally by the functions placed in it. No tenant's: shared usage. */
void network_meter(const world_spec *spec, const world *w, ledger *u);

#endif
