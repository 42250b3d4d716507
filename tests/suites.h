/* suites.h — the check suites, one per test file. */
#ifndef SLSIM_TEST_SUITES_H
#define SLSIM_TEST_SUITES_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

Suite *kernel_suite(void);      /* tests/test_kernel.c: pes, engine, rng, dist, stats, replicate */
Suite *blocks_suite(void);      /* tests/test_blocks.c: heap, strmap, freelist, csv */
Suite *cfg_suite(void);         /* tests/test_cfg.c: config helpers and their messages */
Suite *model_suite(void);       /* tests/test_model.c: function model behaviours */
Suite *gateway_suite(void);     /* tests/test_gateway.c: the API gateway's cache, validation and usage plans */
Suite *billing_suite(void);     /* tests/test_billing.c: AWS worked examples */
Suite *validation_suite(void);  /* tests/test_validation.c: closed forms */
Suite *cli_suite(void);         /* tests/test_cli.c: the commands on good input: results, files, --set, signals */
Suite *cli_usage_suite(void);   /* tests/test_cli_usage.c: the parser, --help, bad usage, invalid scenarios */
Suite *fuzz_regressions_suite(void); /* tests/test_fuzz_regressions.c: inputs make fuzz found, fuzz seeds */
Suite *inputs_suite(void);      /* tests/test_inputs.c: special files, hostile bytes, leaks in messages */
Suite *queue_suite(void);       /* tests/test_queue.c: queues and their consumers */
Suite *resilience_suite(void);  /* tests/test_resilience.c: dependencies, retries, breakers, tenants */
Suite *workflow_suite(void);    /* tests/test_workflow.c: the states: maps, parallel, retries, choices, events */
Suite *workflow_executions_suite(void); /* tests/test_workflow_executions.c: Express, sagas, starts, bills */
Suite *study_suite(void);       /* tests/test_study.c: compare, cost-curve, tune */
Suite *cloudrun_suite(void);    /* tests/test_cloudrun.c: Cloud Run's shared vCPUs, autoscaling, startup, bills */
Suite *azure_suite(void);       /* tests/test_azure.c: Azure's per-instance concurrency, Flex sizes and always-ready instances, bills */
Suite *fleet_suite(void);       /* tests/test_fleet.c: containers and VMs: loss systems, sharing, bills, autoscaling */
Suite *trace_suite(void);       /* tests/test_trace.c: replaying recorded traffic */
Suite *precision_suite(void);   /* tests/test_precision.c: --precision, replications added until precise enough */
Suite *partition_suite(void);   /* tests/test_partition.c: a trace's functions replayed as blocks apart */
Suite *lambda_logs_suite(void); /* tests/test_lambda_logs.c: reading Lambda REPORT logs */
Suite *calibrate_suite(void);   /* tests/test_calibrate.c: slsim calibrate on logs of a known model */
Suite *library_suite(void);     /* tests/test_library.c: the scenario library's lessons and descriptions */
Suite *exercises_a_suite(void); /* tests/test_exercises_a.c: the answers of exercises 02-08 */
Suite *exercises_b_suite(void); /* tests/test_exercises_b.c: the answers of exercises 09-14 */
Suite *exercises_c_suite(void); /* tests/test_exercises_c.c: the answers of exercises 15-18 */
Suite *docs_suite(void);        /* tests/test_docs.c: every command the README and docs/ show still works */
Suite *results_suite(void);     /* tests/test_results.c: the results folder as one unit, hostile names */
Suite *plots_suite(void);       /* tests/test_plots.c: what the plots show: one time axis, units, axes, labels, titles */
Suite *safety_suite(void);      /* tests/test_safety.c: call cycles, zero-time loops, the watchdog, deep chains */
Suite *work_suite(void);        /* tests/test_work.c: units of work through pipelines, conserved; how reports show them */
Suite *slo_suite(void);         /* tests/test_slo.c: --slo, saturation flags, representative windows */
Suite *graph_suite(void);       /* tests/test_graph.c: the architecture picture: nodes, edges, figures, hostile names, no dot */
Suite *platform_flows_suite(void); /* tests/test_platform_flows.c: workflows (Durable Functions, Logic Apps, Google, Cloudflare) and Event Hubs: prices, replays, steps, throughput units */
Suite *platform_data_suite(void); /* tests/test_platform_data.c: a service that is a table: Cosmos DB, Firestore, KV, D1, Durable Objects, DynamoDB */
Suite *platform_events_suite(void); /* tests/test_platform_events.c: topics, buses, buckets, schedules, gateways on Azure, Google, Cloudflare */
Suite *platform_queues_suite(void); /* tests/test_platform_queues.c: the other providers' queues */
Suite *shared_calls_suite(void); /* tests/test_shared_calls.c: call steps on instances serving several requests (Cloud Run, Azure Flex) */
Suite *hot_shards_suite(void);  /* tests/test_hot_shards.c: a stream's key skew, hot shard and poisoned records, on-demand bills */
Suite *data_tier_suite(void);   /* tests/test_data_tier.c: DynamoDB capacity: provisioned and auto scaling, partitions, hot keys, break-even */
Suite *observability_suite(void); /* tests/test_observability.c: logs by level and retention, X-Ray, custom metrics */
Suite *idempotency_suite(void); /* tests/test_idempotency.c: an idempotency key store against at-least-once duplicates; exercise 21 */
Suite *tenant_cost_suite(void);  /* tests/test_tenant_cost.c: each tenant's part of the bill, pool and silos, exercise 20 */
Suite *network_suite(void);      /* tests/test_network.c: NAT gateways, VPC endpoints, zones and data out of functions' calls */
Suite *authorizer_suite(void);   /* tests/test_authorizer.c: an API gateway's Lambda authorizer and its cache per token */
Suite *fit_suite(void);         /* tests/test_fit.c: ML fits and their intervals, KS, percentiles, rate profiles, overlap */
Suite *edge_suite(void);        /* tests/test_edge.c: an edge function's calls to the region, a CDN's cache, triggers and bill */

/* True when SLSIM_QUICK is set: sanitizer runs use smaller samples. */
static inline int test_quick(void)
{
    const char *q = getenv("SLSIM_QUICK");
    return q && *q && *q != '0';
}

/* Seeds for a coverage check (tests/test_precision.c): quick under SLSIM_QUICK, ten times
 * full under SLSIM_COVERAGE=long (make validate), else full. */
static inline int test_coverage_seeds(int quick, int full)
{
    const char *c = getenv("SLSIM_COVERAGE");
    if (c && !strcmp(c, "long"))
        return 10 * full;
    return test_quick() ? quick : full;
}

#endif