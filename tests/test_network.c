/* test_network.c — what the bytes of functions' calls cost (models/network.c): a function in
 * the scenario's VPC reaches DynamoDB, S3 and SQS through NAT gateways or VPC endpoints and
 * the internet through a NAT gateway; a function outside a VPC pays only data out to the
 * internet.
 *
 * The cases are exact: 1,024 requests at once, each moving whole fractions of a GB (1 GB in
 * all to a table and back, 1 GB of uploads, 0.5 GB of SQS messages, 2 GB to and from an API
 * on the internet), so every figure is a sum worked out by hand and every bill line follows
 * from the published prices to the cent. A 100-s window is 730 x 3,600 / 100 = 26,280 such
 * windows a month. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/suites.h"
#include "tests/support.h"

#define FIXTURE "tests/scenarios/network/vpc.json"
#define MONTH   (730 * 3600.0 / 100)     /* windows in a month */
#define assert_refused(json, path, words) support_assert_refused("network", json, path, words)

static void run_with(const char *const *sets, world_spec **spec, run_result *res)
{
    support_run_fixture(FIXTURE, sets, spec, res);
}

/* A figure that must be the same in every replication (the burst is the same). */
static void assert_each(const run_result *res, const char *name, double want)
{
    for (uint32_t r = 0; r < res->spec->replications; r++)
        ck_assert_msg(fabs(support_row_value(res, r, name) - want) < 1e-9, "%s in replication %u: %.12g, not %.12g",
                      name, r, support_row_value(res, r, name), want);
}

static double line(const run_result *res, const char *name)
{
    char key[96];
    snprintf(key, sizeof key, "cost.by_line.%s", name);
    return run_value(res, key, NULL);
}

START_TEST(through_nat_gateways_every_byte_is_processed_and_half_crosses_zones)
{
    /* One NAT gateway for two zones: all 4.5 GB go through it, and the calls from the zone
     * without one (half) cross zones, charged leaving and entering: 2 x 2.25 GB. The API's
     * 1 GB sent is data out (100 GB a month free, then $0.09). */
    world_spec *spec;
    run_result res;
    run_with(NULL, &spec, &res);
    assert_each(&res, "functions.api.invocations", 1024);
    assert_each(&res, "functions.api.network.nat_gateway_gb", 4.5);
    assert_each(&res, "functions.api.network.inter_zone_gb", 2.25);
    assert_each(&res, "functions.api.network.internet_out_gb", 1);
    assert_each(&res, "functions.api.network.gateway_endpoint_gb", 0);
    assert_each(&res, "functions.api.network.interface_endpoint_gb", 0);
    support_assert_cents("NAT data", line(&res, "nat_gateway_data"), support_round_cents(4.5 * MONTH * 0.045));
    support_assert_cents("NAT data", line(&res, "nat_gateway_data"), 5321.70);
    support_assert_cents("NAT hours", line(&res, "nat_gateway_hours"), 730 * 0.045);
    support_assert_cents("zones", line(&res, "inter_zone_transfer"), support_round_cents(2 * 2.25 * MONTH * 0.01));
    support_assert_cents("data out", line(&res, "data_transfer_out"), support_round_cents((MONTH - 100) * 0.09));
    support_assert_cents("endpoints", line(&res, "vpc_endpoint_hours") + line(&res, "vpc_endpoint_data"), 0);
    /* The network is its own category, and it is all the function's. */
    double network = 5321.70 + 32.85 + 1182.60 + support_round_cents((MONTH - 100) * 0.09);
    support_assert_cents("category", run_value(&res, "cost.by_category.network", NULL), network);
    support_done(spec, &res);
}
END_TEST

START_TEST(a_nat_gateway_in_each_zone_keeps_the_bytes_in_their_zone)
{
    static const char *const sets[] = { "platform.vpc.nat_gateways=2", NULL };
    world_spec *spec;
    run_result res;
    run_with(sets, &spec, &res);
    assert_each(&res, "functions.api.network.nat_gateway_gb", 4.5);
    assert_each(&res, "functions.api.network.inter_zone_gb", 0);
    support_assert_cents("NAT hours", line(&res, "nat_gateway_hours"), 2 * 730 * 0.045);
    support_assert_cents("zones", line(&res, "inter_zone_transfer"), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(endpoints_take_the_aws_services_bytes_off_the_nat_gateways)
{
    /* Gateway endpoints carry the table's and S3's 2 GB free; SQS's interface endpoint its
     * 0.5 GB at $0.01 and an hour in each zone; only the internet's 2 GB still need NAT. */
    static const char *const sets[] = { "platform.vpc.endpoints=\"all\"", NULL };
    world_spec *spec;
    run_result res;
    run_with(sets, &spec, &res);
    assert_each(&res, "functions.api.network.gateway_endpoint_gb", 2);
    assert_each(&res, "functions.api.network.interface_endpoint_gb", 0.5);
    assert_each(&res, "functions.api.network.nat_gateway_gb", 2);
    assert_each(&res, "functions.api.network.inter_zone_gb", 1);
    support_assert_cents("NAT data", line(&res, "nat_gateway_data"), support_round_cents(2 * MONTH * 0.045));
    support_assert_cents("endpoint data", line(&res, "vpc_endpoint_data"), support_round_cents(0.5 * MONTH * 0.01));
    support_assert_cents("endpoint hours", line(&res, "vpc_endpoint_hours"), 1 * 2 * 730 * 0.01);
    support_done(spec, &res);

    /* Gateway endpoints only: SQS's bytes go back to the NAT gateway. */
    static const char *const gw[] = { "platform.vpc.endpoints=\"gateway\"", NULL };
    run_with(gw, &spec, &res);
    assert_each(&res, "functions.api.network.gateway_endpoint_gb", 2);
    assert_each(&res, "functions.api.network.nat_gateway_gb", 2.5);
    support_assert_cents("endpoint hours", line(&res, "vpc_endpoint_hours"), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(outside_a_vpc_only_the_bytes_sent_to_the_internet_are_charged)
{
    static const char *const sets[] = { "components.api.vpc=false", "platform.vpc=null", NULL };
    world_spec *spec;
    run_result res;
    run_with(sets, &spec, &res);
    assert_each(&res, "functions.api.network.internet_out_gb", 1);
    ck_assert_msg(run_has_figure(spec, "functions.api.network.nat_gateway_gb") == 0, "a function outside a VPC reports NAT bytes");
    support_assert_cents("data out", line(&res, "data_transfer_out"), support_round_cents((MONTH - 100) * 0.09));
    support_assert_cents("NAT", line(&res, "nat_gateway_data") + line(&res, "nat_gateway_hours") +
                         line(&res, "inter_zone_transfer"), 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(the_vpc_hours_are_billed_once_and_shared_by_its_functions)
{
    /* The worker joins the VPC: the gateway's hours are billed once, half on each function. */
    static const char *const sets[] = { "components.worker.vpc=true", NULL };
    world_spec *spec;
    run_result res;
    run_with(sets, &spec, &res);
    support_assert_cents("NAT hours", line(&res, "nat_gateway_hours"), 730 * 0.045);
    assert_each(&res, "functions.worker.network.nat_gateway_gb", 0);
    support_done(spec, &res);
}
END_TEST

START_TEST(what_a_vpc_needs_is_refused)
{
    char json[4096];
    support_scenario_set(json, sizeof json, "network/vpc.json", "platform.vpc=null");
    assert_refused(json, "components[0].vpc", "the scenario has no VPC");
    support_scenario_set(json, sizeof json, "network/vpc.json", "platform.provider=\"azure-consumption\"");
    assert_refused(json, "platform.vpc", "modelled on platform.provider \"aws\"");
    support_scenario_set(json, sizeof json, "network/vpc.json", "platform.vpc.nat_gateways=3");
    assert_refused(json, "platform.vpc.nat_gateways", "at most one a zone");
    support_scenario_set(json, sizeof json, "network/vpc.json", "platform.vpc.endpoints=\"some\"");
    assert_refused(json, "platform.vpc.endpoints", "\"gateway\"");
    /* Without a NAT gateway the internet is out of reach, and so is SQS without its endpoint. */
    support_scenario_set(json, sizeof json, "network/vpc.json", "platform.vpc.nat_gateways=0");
    assert_refused(json, "components[0].calls[0].target", "NAT gateway or an S3/DynamoDB gateway endpoint");
    support_scenario_set(json, sizeof json, "network/vpc.json",
                         "platform.vpc={\"nat_gateways\": 0, \"endpoints\": \"all\"}");
    assert_refused(json, "components[0].calls[3].target", "\"partner\" is on the internet");
    support_scenario_set(json, sizeof json, "network/vpc.json", "components.api.vpc=false");
    assert_refused(json, "platform.vpc", "no function is placed in it");
    support_scenario_set(json, sizeof json, "network/vpc.json", "components.orders.internet=true");
    assert_refused(json, "components[1].internet", "not a third party");
}
END_TEST

Suite *network_suite(void)
{
    Suite *s = suite_create("network");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, through_nat_gateways_every_byte_is_processed_and_half_crosses_zones);
    tcase_add_test(tc, a_nat_gateway_in_each_zone_keeps_the_bytes_in_their_zone);
    tcase_add_test(tc, endpoints_take_the_aws_services_bytes_off_the_nat_gateways);
    tcase_add_test(tc, outside_a_vpc_only_the_bytes_sent_to_the_internet_are_charged);
    tcase_add_test(tc, the_vpc_hours_are_billed_once_and_shared_by_its_functions);
    tcase_add_test(tc, what_a_vpc_needs_is_refused);
    suite_add_tcase(s, tc);
    return s;
}
