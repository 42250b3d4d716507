/* billing.h — usage meters and the price tables that turn them into a monthly bill.
 *
 * Components only count usage during the run (requests, billed GB-seconds after their
 * rounding, configured provisioned capacity); billing happens after the run, outside the
 * event loop. The measured window is extrapolated to a month (730 hours in AWS's
 * calculator), then tiers and the free tier apply to the monthly quantities, and each line
 * item is rounded to cents, as in AWS's worked examples. */
#ifndef SLSIM_BILLING_H
#define SLSIM_BILLING_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/cfg.h"

#define PRICE_TIERS_MAX 8

typedef struct price_tier {
    double up_to;   /* monthly quantity this tier ends at (INFINITY for the last) */
    double price;   /* per unit */
} price_tier;

typedef struct price_tiers {
    size_t     n;
    price_tier tier[PRICE_TIERS_MAX];
} price_tiers;

#define PRICE_INSTANCES_MAX 32

typedef struct instance_price {
    char   type[32];
    double vcpu, memory_gb, hour;
} instance_price;

/* Function prices of a provider other than AWS (one table per provider and plan). */
typedef struct function_prices {
    double request_per_million, free_requests;
    double gb_s, free_gb_s;            /* memory-time (GiB-s on Cloud Run) */
    double cpu_unit, free_cpu_units;   /* GHz-s (Cloud Functions 1st gen), vCPU-s (Cloud Run) */
    double cpu_ms_per_million, included_cpu_ms, included_requests, base_monthly; /* Workers */
} function_prices;

typedef struct price_table {
    char        name[64], currency[8];
    char        provider[32];
    bool        generic;              /* not AWS: only function prices (`functions`) */
    function_prices fn;
    double      month_hours;
    double      lambda_request_per_million;
    price_tiers lambda_duration[2];           /* per GB-s, by architecture (0 x86_64, 1 arm64) */
    double      lambda_free_requests, lambda_free_gb_s;
    double      lambda_pc_capacity[2];        /* per GB-s of configured provisioned concurrency */
    double      lambda_pc_duration[2];        /* per GB-s run on provisioned concurrency */
    double      sqs_request_per_million;      /* standard queues; 64 KB chunks are requests */
    double      sqs_fifo_request_per_million; /* FIFO queues */
    double      sqs_free_requests;
    double      sns_publish_per_million;      /* 64 KB chunks; deliveries to SQS and Lambda free */
    double      sns_free_publishes;
    double      sns_http_per_million, sns_http_free;   /* deliveries to HTTP/S endpoints */
    double      scheduler_per_million;        /* EventBridge Scheduler invocations */
    double      scheduler_free;
    double      events_per_million;           /* EventBridge custom events, 64 KB chunks */
    double      kinesis_shard_hour;           /* provisioned Kinesis Data Streams */
    double      kinesis_put_units_per_million;/* 25 KB PUT payload units */
    double      s3_put_per_thousand, s3_get_per_thousand, s3_gb_month;
    double      dynamodb_read_per_million, dynamodb_write_per_million; /* on-demand request units */
    double      rds_proxy_vcpu_hour;          /* per vCPU of the database the proxy fronts */
    double      sfn_transition_per_thousand;  /* Step Functions Standard */
    double      sfn_free_transitions;
    double      sfn_express_request_per_million;
    price_tiers sfn_express_gb_s;             /* Express duration, monthly GB-s tiers */
    double      fargate_vcpu_hour[2], fargate_gb_hour[2];   /* by architecture */
    size_t      n_instances;
    instance_price instances[PRICE_INSTANCES_MAX];          /* EC2 on demand */
    double      alb_hour, alb_lcu_hour;
    double      lambda_ephemeral_gb_s;        /* storage above the free 512 MB */
    double      edge_request_per_million, edge_gb_s;    /* Lambda@Edge (0: not in the table) */
    price_tiers apigw_rest, apigw_http;       /* per 1M requests, monthly tiers */
    size_t      n_apigw_cache;                /* REST API cache sizes and their hourly prices */
    double      apigw_cache_gb[PRICE_TIERS_MAX], apigw_cache_hour[PRICE_TIERS_MAX];
    price_tiers logs_ingestion_gb;            /* CloudWatch Logs (Lambda), monthly tiers */
    price_tiers transfer_out_gb;              /* data transfer out to the internet */
} price_table;

/* Line items of the bill. */
typedef enum bill_line {
    LINE_LAMBDA_REQUESTS, LINE_LAMBDA_DURATION, LINE_LAMBDA_DURATION_ARM64,
    LINE_LAMBDA_PC_CAPACITY, LINE_LAMBDA_PC_CAPACITY_ARM64, LINE_LAMBDA_PC_DURATION,
    LINE_LAMBDA_PC_DURATION_ARM64, LINE_SQS_REQUESTS, LINE_SQS_FIFO_REQUESTS, LINE_SNS_PUBLISHES,
    LINE_SCHEDULER_INVOCATIONS, LINE_EVENTBRIDGE_EVENTS, LINE_KINESIS_SHARD_HOURS,
    LINE_KINESIS_PUT_UNITS, LINE_S3_PUTS, LINE_S3_GETS, LINE_S3_STORAGE, LINE_DYNAMODB_READS,
    LINE_DYNAMODB_WRITES, LINE_RDS_PROXY, LINE_SERVICE_FEES, LINE_SNS_HTTP, LINE_SFN_TRANSITIONS,
    LINE_SFN_EXPRESS_REQUESTS, LINE_SFN_EXPRESS_DURATION, LINE_FARGATE_VCPU, LINE_FARGATE_MEMORY,
    LINE_EC2_INSTANCES, LINE_LOAD_BALANCER_HOURS, LINE_LOAD_BALANCER_LCU, LINE_FN_REQUESTS,
    LINE_FN_MEMORY, LINE_FN_CPU, LINE_FN_PLAN, LINE_LAMBDA_EPHEMERAL, LINE_APIGW_REST, LINE_APIGW_HTTP,
    LINE_LOGS_INGESTION, LINE_TRANSFER_OUT, LINE_APIGW_CACHE, LINE_EDGE_REQUESTS, LINE_EDGE_DURATION,
    BILL_LINES
} bill_line;
extern const char *const bill_line_names[BILL_LINES];

/* What one Lambda function used in the measured window. */
typedef struct lambda_usage {
    bool   used;              /* the component is a function */
    bool   edge;              /* Lambda@Edge: its own prices, no free tier */
    int    arch;              /* 0 x86_64, 1 arm64 */
    bool   provisioned;       /* has provisioned concurrency: no free tier */
    double requests;          /* invocations */
    double gb_s;              /* on-demand billed GB-s (rounded per invocation) */
    double pc_gb_s;           /* billed GB-s of invocations run on provisioned instances */
    double pc_capacity_gb_s;  /* configured provisioned GB-s over the window */
    double cpu_units;         /* other providers: GHz-s, vCPU-s or CPU-ms, per the table */
    double ephemeral_gb_s;    /* ephemeral storage above 512 MB, GB-s */
    double log_gb;            /* log ingestion */
    /* what the traffic sent to this component through a gateway, and its responses */
    double apigw_rest, apigw_http, transfer_out_gb;
    double apigw_cache_usd;   /* its gateway caches' hours in the window at their hourly price */
} lambda_usage;

/* What one queue used: API requests (send, receive, empty receive, delete; per 64 KB). */
typedef struct sqs_usage {
    bool   used;
    bool   fifo;
    double requests;
} sqs_usage;

/* What one stream used: shard-hours in the window and 25 KB PUT payload units. */
typedef struct kinesis_usage {
    bool   used;
    double shard_hours, put_units;
} kinesis_usage;

/* What one bucket used: PUTs, GETs, and the stored GB that the window's uploads amount to
 * at steady state (scaled to the month like the rest: window uploads x month / window). */
typedef struct s3_usage {
    bool   used;
    double puts, gets, stored_gb_per_window;
} s3_usage;

/* What one topic used: publish requests (per 64 KB). */
typedef struct sns_usage {
    bool   used;
    double publishes;
    double http_deliveries;   /* attempts to HTTP/S subscribers */
} sns_usage;

/* What one service or pool used: DynamoDB request units, a third-party fee (USD, already
 * priced by the scenario), proxy vCPU-hours. */
typedef struct service_usage {
    bool   used;
    double read_units, write_units, fees, proxy_vcpu_hours;
} service_usage;

/* What one workflow used: Standard state transitions, or Express executions and GB-s
 * (100 ms and 64 MB steps already applied). */
typedef struct workflow_usage {
    bool   used;
    double transitions, requests, gb_s;
} workflow_usage;

/* What one fleet used: task (instance) hours already with their 1-minute minimum, and
 * its load balancer's hours and capacity-unit hours. */
typedef struct fleet_usage {
    bool   used, is_vm;
    int    arch, instance;
    double instance_hours, vcpu_hours, gb_hours, lb_hours, lcu_hours;
} fleet_usage;

typedef struct usage {
    size_t        n;          /* components */
    lambda_usage *lambda;     /* n entries */
    sqs_usage    *sqs;        /* n entries */
    sns_usage    *sns;        /* n entries */
    double       *scheduler;  /* n entries: scheduled invocations (0 for other kinds) */
    double       *events;     /* n entries: event-bus events per 64 KB (0 for other kinds) */
    kinesis_usage *kinesis;   /* n entries */
    s3_usage     *s3;         /* n entries */
    service_usage *services;  /* n entries */
    workflow_usage *workflows;/* n entries */
    fleet_usage  *fleets;     /* n entries */
} usage;

typedef struct bill {
    double  line[BILL_LINES]; /* monthly, rounded to cents */
    double  total;
    size_t  n;
    double *by_component;     /* n entries, monthly, rounded to cents */
} bill;

/* Loads a price table: an embedded name ("aws-us-east-1") or a path to a JSON file
 * (relative paths are taken from base_dir). Every price must carry "source" and "date".
 * Returns 0, or -1 with the message in ctx. */
int    billing_load(price_table *t, cfg_ctx *ctx, const char *name_or_path, const char *base_dir);
/* Bills usage measured over window_s seconds, extrapolated to a month. b->by_component must
 * have u->n entries. */
void   billing_compute(const price_table *t, const usage *u, bool free_tier, double window_s, bill *b);
/* Cost of a monthly quantity through tiers. */
double billing_tiered(const price_tiers *t, double quantity);
double billing_round_cents(double x);

/* The hourly price of a REST API cache of size_gb in t, or -1 when t has no such size. */
double billing_apigw_cache_hour(const price_table *t, double size_gb);
#endif
