/* network.c — what the bytes of functions' calls cost on their way (see network.h).
 *
 * A function placed in the scenario's VPC reaches each callee one way, by the callee's kind:
 * - S3 (a bucket) and DynamoDB (a table): through a gateway endpoint when the VPC has them
 *   (free), else through a NAT gateway;
 * - SQS, SNS, EventBridge, Kinesis, Step Functions and Lambda (a queue, topic, bus, stream,
 *   workflow or function): through that service's interface endpoint when the VPC has
 *   them, else through a NAT gateway;
 * - a service on the internet ("internet": true): through a NAT gateway, then out;
 * - anything else (a database or cache in the VPC, an RDS Proxy, containers, VMs): inside
 *   the VPC, not charged here.
 * Functions' subnets spread their calls equally over the zones; a zone without its own NAT
 * gateway sends its NAT traffic to one in another zone, and those bytes cross zones. A
 * function outside any VPC reaches everything directly; only its bytes sent to services on
 * the internet are charged (data transfer out, as Lambda's data out is billed at EC2's
 * rates). Bytes are the call steps' (size_kb out, response_kb back, every attempt and every
 * message), counted by the function in the measured window; nothing is counted per request
 * here. Lambda's Hyperplane network interfaces add no cold-start time, so placing a function
 * in a VPC changes its bill, not its latency. */
#include "models/network.h"

#include <math.h>
#include <string.h>

#include "models/function.h"
#include "models/service.h"

static const char *const endpoint_names[] = { "none", "gateway", "all", NULL };

void network_parse(cfg_node *platform, network_spec *n, provider p)
{
    *n = (network_spec){ 0 };
    if (!cfg_has(platform, "vpc"))
        return;
    cfg_node v;
    cfg_object(platform, "vpc", &v);
    if (p != PROVIDER_AWS) {
        cfg_fail(&v, NULL, "a VPC with NAT gateways and endpoints is modelled on platform.provider \"aws\"");
        cfg_done(&v);
        return;
    }
    n->vpc = true;
    /* Lambda's guidance: subnets in at least two zones; a NAT gateway in each zone that uses one. */
    n->zones = (uint32_t)cfg_integer(&v, "zones", 2, 1, 6);
    n->nat_gateways = (uint32_t)cfg_integer(&v, "nat_gateways", n->zones, 0, 6);
    n->endpoints = cfg_enum(&v, "endpoints", endpoint_names, ENDPOINTS_NONE);
    if (!cfg_failed(&v) && n->nat_gateways > n->zones)
        cfg_fail(&v, "nat_gateways", "at most one a zone: %u for %u zones", n->nat_gateways, n->zones);
    cfg_done(&v);
}

typedef enum route { ROUTE_PRIVATE, ROUTE_GATEWAY, ROUTE_INTERFACE, ROUTE_INTERNET } route;

static route route_of(const world_spec *w, int target, int *iface)
{
    static const char *const iface_kinds[IFACE_SERVICES] = {
        [IFACE_SQS] = "queue", [IFACE_SNS] = "topic", [IFACE_EVENTS] = "bus",
        [IFACE_KINESIS] = "stream", [IFACE_STATES] = "workflow", [IFACE_LAMBDA] = "function"
    };
    const component_spec *c = &w->components[target];
    if (!strcmp(c->kind->name, "bucket"))
        return ROUTE_GATEWAY;
    if (c->kind == &service_kind) {
        switch (service_network(c->spec)) {
        case SERVICE_NET_DYNAMODB: return ROUTE_GATEWAY;
        case SERVICE_NET_INTERNET: return ROUTE_INTERNET;
        default:                   return ROUTE_PRIVATE;
        }
    }
    for (int i = 0; i < IFACE_SERVICES; i++)
        if (!strcmp(c->kind->name, iface_kinds[i])) {
            *iface = i;
            return ROUTE_INTERFACE;
        }
    return ROUTE_PRIVATE;
}

int network_check_call(const world_spec *w, int target, cfg_node *c)
{
    const network_spec *n = &w->network;
    int iface = -1;
    route r = route_of(w, target, &iface);
    if (n->nat_gateways > 0 || r == ROUTE_PRIVATE || (r == ROUTE_GATEWAY && n->endpoints >= ENDPOINTS_GATEWAY) ||
        (r == ROUTE_INTERFACE && n->endpoints == ENDPOINTS_ALL))
        return 0;
    const char *name = w->components[target].name;
    if (r == ROUTE_INTERNET)
        cfg_fail(c, "target", "\"%s\" is on the internet, which a function in the VPC reaches only through a "
                 "NAT gateway, and platform.vpc.nat_gateways is 0", name);
    else
        cfg_fail(c, "target", "a function in the VPC reaches \"%s\" (a %s) through a NAT gateway or an %s "
                 "endpoint: platform.vpc has no NAT gateway and endpoints \"%s\"", name,
                 w->components[target].kind->name, r == ROUTE_GATEWAY ? "S3/DynamoDB gateway" : "interface",
                 endpoint_names[n->endpoints]);
    return -1;
}

void network_route(const world_spec *w, bool in_vpc, int target, double out_gb, double in_gb,
                   network_bytes *b)
{
    const network_spec *n = &w->network;
    int iface = -1;
    route r = route_of(w, target, &iface);
    if (r == ROUTE_INTERNET)
        b->internet_out_gb += out_gb;
    if (!in_vpc || r == ROUTE_PRIVATE)
        return;
    double gb = out_gb + in_gb;
    if (r == ROUTE_GATEWAY && n->endpoints >= ENDPOINTS_GATEWAY) {
        b->gateway_gb += gb;
    } else if (r == ROUTE_INTERFACE && n->endpoints == ENDPOINTS_ALL) {
        b->interface_gb += gb;
        b->iface_used |= 1u << iface;
    } else {
        b->nat_gb += gb;
        if (n->nat_gateways < n->zones)
            b->inter_az_gb += gb * (double)(n->zones - n->nat_gateways) / (double)n->zones;
    }
}

void network_meter(const world_spec *spec, const world *w, ledger *u)
{
    size_t in_vpc = 0;
    unsigned iface_used = 0;
    for (size_t i = 0; i < spec->n_components; i++) {
        const component_spec *c = &spec->components[i];
        if (c->kind != &function_kind)
            continue;
        network_bytes b = { 0 };
        function_network_bytes(c->spec, w->state[i], spec, &b);
        if (b.internet_out_gb > 0)
            usage_add(u, i, "network.transfer_out_gb", b.internet_out_gb);
        if (!function_in_vpc(c->spec))
            continue;
        in_vpc++;
        iface_used |= b.iface_used;
        usage_add(u, i, "network.nat_gateway_gb", b.nat_gb);
        /* A GB crossing zones is charged as it leaves one and as it enters the other. */
        usage_add(u, i, "network.inter_zone_gb", 2 * b.inter_az_gb);
        usage_add(u, i, "network.interface_endpoint_gb", b.interface_gb);
    }
    if (!spec->network.vpc || !in_vpc)
        return;
    /* Provisioned all the window, so all the month once extrapolated. */
    double hours = spec->duration_s / 3600.0;
    int services = 0;
    for (unsigned m = iface_used; m; m &= m - 1)
        services++;
    for (size_t i = 0; i < spec->n_components; i++) {
        const component_spec *c = &spec->components[i];
        if (c->kind != &function_kind || !function_in_vpc(c->spec))
            continue;
        usage_add(u, i, "network.nat_gateway_hours", spec->network.nat_gateways * hours / (double)in_vpc);
        usage_add(u, i, "network.interface_endpoint_hours",
                  (double)services * spec->network.zones * hours / (double)in_vpc);
    }
}
