/* billing.c — price tables (embedded or from a file) and the monthly bill.
 *
 * The free tier is taken from x86_64 duration first, then arm64 (AWS says only that it is
 * shared by both architectures; x86_64 first is the order that favours the user, since its
 * price is higher). Costs by component share each line in proportion to usage. */
#include "models/billing.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct embedded_table { const char *name; const char *json; };
extern const struct embedded_table pricing_embedded[];

const char *const bill_line_names[BILL_LINES] = {
    "lambda_requests", "lambda_duration", "lambda_duration_arm64",
    "lambda_provisioned_concurrency", "lambda_provisioned_concurrency_arm64",
    "lambda_provisioned_duration", "lambda_provisioned_duration_arm64", "sqs_requests",
    "sqs_fifo_requests",
    "sns_publishes", "scheduler_invocations", "eventbridge_events", "kinesis_shard_hours",
    "kinesis_put_units", "s3_put_requests", "s3_get_requests", "s3_storage",
    "dynamodb_read_units", "dynamodb_write_units", "rds_proxy", "service_fees", "sns_http_deliveries", "step_functions_transitions",
    "step_functions_express_requests", "step_functions_express_duration", "fargate_vcpu",
    "fargate_memory", "ec2_instances", "load_balancer_hours", "load_balancer_lcu", "functions_requests",
    "functions_memory", "functions_cpu", "functions_plan", "lambda_ephemeral_storage",
    "api_gateway_rest", "api_gateway_http", "logs_ingestion", "data_transfer_out", "api_gateway_cache", "lambda_edge_requests", "lambda_edge_duration",
};

/* ---- loading --------------------------------------------------------------- */

static void read_sourced(cfg_node *n)
{
    cfg_string_req(n, "source");
    cfg_string_req(n, "date");
}

static void read_tiers(cfg_node *n, const char *key, price_tiers *t)
{
    size_t count = cfg_array_len(n, key);
    if (count < 1 || count > PRICE_TIERS_MAX) {
        cfg_fail(n, key, "expected 1 to %d tiers", PRICE_TIERS_MAX);
        return;
    }
    t->n = count;
    double prev = 0;
    for (size_t i = 0; i < count; i++) {
        cfg_node tier;
        cfg_array_object(n, key, i, &tier);
        t->tier[i].price = cfg_number_req(&tier, "price", 0, 1e6);
        bool last = i + 1 == count;
        if (last) {
            cfg_know(&tier, "up_to");
            if (cfg_has(&tier, "up_to"))
                cfg_fail(&tier, "up_to", "the last tier must be open-ended (null)");
            t->tier[i].up_to = INFINITY;
        } else {
            t->tier[i].up_to = cfg_number_req(&tier, "up_to", prev, 1e300);
            prev = t->tier[i].up_to;
        }
        cfg_done(&tier);
    }
}

/* The table's currency: an ISO 4217 code. Reports and pages print it as it is, so it may
 * hold nothing else (a table from elsewhere could hide a terminal's escape sequence). */
static void read_currency(cfg_node *top, price_table *t)
{
    const char *cur = cfg_string(top, "currency", "USD");
    if (!cur)
        cur = "USD";
    bool code = strlen(cur) == 3;
    for (size_t i = 0; code && i < 3; i++)
        code = cur[i] >= 'A' && cur[i] <= 'Z';
    if (!code && !cfg_failed(top)) {
        char got[CFG_EXCERPT_MAX + 8] = "another string";
        if (!top->ctx->no_quotes)
            cfg_excerpt(got, sizeof got, cur, CFG_EXCERPT_MAX);
        cfg_fail(top, "currency", "expected an ISO 4217 code of three capital letters, such as \"USD\", "
                 "got %s", got);
        cur = "USD";
    }
    snprintf(t->currency, sizeof t->currency, "%s", cur);
}

static int parse_table(price_table *t, cfg_ctx *ctx, const cJSON *root)
{
    cfg_node top, l, x;
    cfg_root(&top, ctx, root, NULL);
    const char *prov = cfg_string_req(&top, "provider");
    snprintf(t->provider, sizeof t->provider, "%s", prov ? prov : "");
    if (prov && strcmp(prov, "aws") != 0) {
        /* Another provider's table: its function prices only. */
        t->generic = true;
        cfg_string_req(&top, "region");
        read_currency(&top, t);
        t->month_hours = cfg_number(&top, "month_hours", 730, 1, 744);
        cfg_string_req(&top, "month_hours_source");
        cfg_node fn;
        if (!cfg_object(&top, "functions", &fn))
            cfg_missing(&top, "functions", "the function prices");
        function_prices *p = &t->fn;
        p->request_per_million = cfg_number(&fn, "request_per_million", 0, 0, 1e6);
        p->free_requests = cfg_number(&fn, "free_requests", 0, 0, 1e15);
        p->gb_s = cfg_number(&fn, "gb_s", 0, 0, 1);
        p->free_gb_s = cfg_number(&fn, "free_gb_s", 0, 0, 1e15);
        p->cpu_unit = cfg_number(&fn, "cpu_unit", 0, 0, 1);
        p->free_cpu_units = cfg_number(&fn, "free_cpu_units", 0, 0, 1e15);
        p->cpu_ms_per_million = cfg_number(&fn, "cpu_ms_per_million", 0, 0, 1e6);
        p->included_cpu_ms = cfg_number(&fn, "included_cpu_ms", 0, 0, 1e15);
        p->included_requests = cfg_number(&fn, "included_requests", 0, 0, 1e15);
        p->base_monthly = cfg_number(&fn, "base_monthly", 0, 0, 1e6);
        read_sourced(&fn);
        cfg_done(&fn);
        cfg_done(&top);
        return ctx->failed ? -1 : 0;
    }
    cfg_string_req(&top, "region");
    read_currency(&top, t);
    t->month_hours = cfg_number(&top, "month_hours", 730, 1, 744);
    cfg_string_req(&top, "month_hours_source");
    if (!cfg_object(&top, "lambda", &l))
        cfg_missing(&top, "lambda", "the Lambda prices");

    cfg_object(&l, "request_per_million", &x);
    t->lambda_request_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);

    cfg_object(&l, "duration_gb_s", &x);
    read_tiers(&x, "x86_64", &t->lambda_duration[0]);
    read_tiers(&x, "arm64", &t->lambda_duration[1]);
    read_sourced(&x);
    cfg_done(&x);

    cfg_object(&l, "free_tier", &x);
    t->lambda_free_requests = cfg_number_req(&x, "requests", 0, 1e15);
    t->lambda_free_gb_s = cfg_number_req(&x, "gb_s", 0, 1e15);
    read_sourced(&x);
    cfg_done(&x);

    cfg_object(&l, "provisioned_capacity_gb_s", &x);
    t->lambda_pc_capacity[0] = cfg_number_req(&x, "x86_64", 0, 1);
    t->lambda_pc_capacity[1] = cfg_number_req(&x, "arm64", 0, 1);
    read_sourced(&x);
    cfg_done(&x);

    cfg_object(&l, "ephemeral_storage_gb_s", &x);
    t->lambda_ephemeral_gb_s = cfg_number_req(&x, "price", 0, 1);
    read_sourced(&x);
    cfg_done(&x);

    if (cfg_has(&l, "edge")) {
        cfg_object(&l, "edge", &x);
        t->edge_request_per_million = cfg_number_req(&x, "request_per_million", 0, 1000);
        t->edge_gb_s = cfg_number_req(&x, "gb_s", 0, 1);
        read_sourced(&x);
        cfg_done(&x);
    }

    cfg_object(&l, "provisioned_duration_gb_s", &x);
    t->lambda_pc_duration[0] = cfg_number_req(&x, "x86_64", 0, 1);
    t->lambda_pc_duration[1] = cfg_number_req(&x, "arm64", 0, 1);
    read_sourced(&x);
    cfg_done(&x);

    cfg_done(&l);

    cfg_node sq;
    if (!cfg_object(&top, "sqs", &sq))
        cfg_missing(&top, "sqs", "the SQS prices");
    cfg_object(&sq, "request_per_million", &x);
    t->sqs_request_per_million = cfg_number_req(&x, "standard", 0, 1e6);
    t->sqs_fifo_request_per_million = cfg_number_req(&x, "fifo", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sq, "free_tier", &x);
    t->sqs_free_requests = cfg_number_req(&x, "requests", 0, 1e15);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&sq);

    cfg_node sn;
    if (!cfg_object(&top, "sns", &sn))
        cfg_missing(&top, "sns", "the SNS prices");
    cfg_object(&sn, "publish_per_million", &x);
    t->sns_publish_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sn, "free_tier", &x);
    t->sns_free_publishes = cfg_number_req(&x, "publishes", 0, 1e15);
    t->sns_http_free = cfg_number_req(&x, "http_deliveries", 0, 1e15);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sn, "http_delivery_per_million", &x);
    t->sns_http_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&sn);

    cfg_node sc;
    if (!cfg_object(&top, "scheduler", &sc))
        cfg_missing(&top, "scheduler", "the EventBridge Scheduler prices");
    cfg_object(&sc, "invocation_per_million", &x);
    t->scheduler_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sc, "free_tier", &x);
    t->scheduler_free = cfg_number_req(&x, "invocations", 0, 1e15);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&sc);

    cfg_node eb;
    if (!cfg_object(&top, "eventbridge", &eb))
        cfg_missing(&top, "eventbridge", "the EventBridge prices");
    cfg_object(&eb, "event_per_million", &x);
    t->events_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&eb);

    cfg_node ki;
    if (!cfg_object(&top, "kinesis", &ki))
        cfg_missing(&top, "kinesis", "the Kinesis Data Streams prices");
    cfg_object(&ki, "shard_hour", &x);
    t->kinesis_shard_hour = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&ki, "put_units_per_million", &x);
    t->kinesis_put_units_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&ki);

    cfg_node s3;
    if (!cfg_object(&top, "s3", &s3))
        cfg_missing(&top, "s3", "the S3 prices");
    cfg_object(&s3, "requests_per_thousand", &x);
    t->s3_put_per_thousand = cfg_number_req(&x, "put", 0, 1e6);
    t->s3_get_per_thousand = cfg_number_req(&x, "get", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&s3, "storage_gb_month", &x);
    t->s3_gb_month = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&s3);

    cfg_node db;
    if (!cfg_object(&top, "dynamodb", &db))
        cfg_missing(&top, "dynamodb", "the DynamoDB prices");
    cfg_object(&db, "request_units_per_million", &x);
    t->dynamodb_read_per_million = cfg_number_req(&x, "read", 0, 1e6);
    t->dynamodb_write_per_million = cfg_number_req(&x, "write", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&db);

    cfg_node rp;
    if (!cfg_object(&top, "rds_proxy", &rp))
        cfg_missing(&top, "rds_proxy", "the RDS Proxy prices");
    cfg_object(&rp, "vcpu_hour", &x);
    t->rds_proxy_vcpu_hour = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&rp);

    cfg_node sf;
    if (!cfg_object(&top, "step_functions", &sf))
        cfg_missing(&top, "step_functions", "the Step Functions prices");
    cfg_object(&sf, "standard_transition_per_thousand", &x);
    t->sfn_transition_per_thousand = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sf, "free_tier", &x);
    t->sfn_free_transitions = cfg_number_req(&x, "transitions", 0, 1e15);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sf, "express_request_per_million", &x);
    t->sfn_express_request_per_million = cfg_number_req(&x, "price", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&sf, "express_duration_gb_s", &x);
    read_tiers(&x, "tiers", &t->sfn_express_gb_s);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&sf);

    cfg_node fg;
    if (!cfg_object(&top, "fargate", &fg))
        cfg_missing(&top, "fargate", "the Fargate prices");
    cfg_object(&fg, "vcpu_hour", &x);
    t->fargate_vcpu_hour[0] = cfg_number_req(&x, "x86_64", 0, 1e6);
    t->fargate_vcpu_hour[1] = cfg_number_req(&x, "arm64", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_object(&fg, "gb_hour", &x);
    t->fargate_gb_hour[0] = cfg_number_req(&x, "x86_64", 0, 1e6);
    t->fargate_gb_hour[1] = cfg_number_req(&x, "arm64", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&fg);

    cfg_node ec2;
    if (!cfg_object(&top, "ec2", &ec2))
        cfg_missing(&top, "ec2", "the EC2 on-demand prices");
    size_t ni = cfg_array_len(&ec2, "instances");
    if (!cfg_failed(&ec2) && (ni == 0 || ni > PRICE_INSTANCES_MAX))
        cfg_fail(&ec2, "instances", "expected 1 to %d instance types", PRICE_INSTANCES_MAX);
    for (size_t i = 0; i < ni && !cfg_failed(&ec2); i++) {
        cfg_array_object(&ec2, "instances", i, &x);
        instance_price *ip = &t->instances[i];
        const char *type = cfg_string_req(&x, "type");
        snprintf(ip->type, sizeof ip->type, "%s", type ? type : "");
        ip->vcpu = cfg_number_req(&x, "vcpu", 0.1, 1024);
        ip->memory_gb = cfg_number_req(&x, "memory_gb", 0.1, 32768);
        ip->hour = cfg_number_req(&x, "hour", 0, 1e6);
        cfg_done(&x);
        t->n_instances = i + 1;
    }
    cfg_string_req(&ec2, "source");
    cfg_string_req(&ec2, "date");
    cfg_done(&ec2);

    cfg_node ag;
    if (!cfg_object(&top, "api_gateway", &ag))
        cfg_missing(&top, "api_gateway", "the API Gateway prices");
    cfg_object(&ag, "per_million", &x);
    read_tiers(&x, "rest", &t->apigw_rest);
    read_tiers(&x, "http", &t->apigw_http);
    read_sourced(&x);
    cfg_done(&x);
    /* REST API caching: an hourly price by cache size (sizes in GB, increasing). */
    if (cfg_has(&ag, "cache_per_hour")) {
        cfg_object(&ag, "cache_per_hour", &x);
        size_t k = cfg_array_len(&x, "sizes");
        if (k > PRICE_TIERS_MAX)
            cfg_fail(&x, "sizes", "at most %d sizes, got %zu", PRICE_TIERS_MAX, k);
        for (size_t i = 0; i < k && !cfg_failed(&x); i++) {
            cfg_node c;
            cfg_array_object(&x, "sizes", i, &c);
            t->apigw_cache_gb[i] = cfg_number_req(&c, "size_gb", 0.01, 1e6);
            t->apigw_cache_hour[i] = cfg_number_req(&c, "price", 0, 1e6);
            if (!cfg_failed(&c) && i > 0 && t->apigw_cache_gb[i] <= t->apigw_cache_gb[i - 1])
                cfg_fail(&c, "size_gb", "sizes must increase: %g after %g", t->apigw_cache_gb[i],
                         t->apigw_cache_gb[i - 1]);
            cfg_done(&c);
            t->n_apigw_cache = i + 1;
        }
        read_sourced(&x);
        cfg_done(&x);
    }
    cfg_done(&ag);

    cfg_node cw;
    if (!cfg_object(&top, "cloudwatch_logs", &cw))
        cfg_missing(&top, "cloudwatch_logs", "the CloudWatch Logs prices");
    cfg_object(&cw, "lambda_ingestion_gb", &x);
    read_tiers(&x, "tiers", &t->logs_ingestion_gb);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&cw);

    cfg_node dt;
    if (!cfg_object(&top, "data_transfer", &dt))
        cfg_missing(&top, "data_transfer", "the data transfer prices");
    cfg_object(&dt, "out_gb", &x);
    read_tiers(&x, "tiers", &t->transfer_out_gb);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&dt);

    cfg_node lb;
    if (!cfg_object(&top, "load_balancer", &lb))
        cfg_missing(&top, "load_balancer", "the Application Load Balancer prices");
    cfg_object(&lb, "alb", &x);
    t->alb_hour = cfg_number_req(&x, "hour", 0, 1e6);
    t->alb_lcu_hour = cfg_number_req(&x, "lcu_hour", 0, 1e6);
    read_sourced(&x);
    cfg_done(&x);
    cfg_done(&lb);
    cfg_done(&top);
    return ctx->failed ? -1 : 0;
}

int billing_load(price_table *t, cfg_ctx *ctx, const char *name_or_path, const char *base_dir)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name_or_path);
    size_t len = strlen(name_or_path);
    bool is_file = len > 5 && strcmp(name_or_path + len - 5, ".json") == 0;
    cJSON *root = NULL;
    cfg_ctx tctx;
    char path[4096];
    if (is_file) {
        if (name_or_path[0] == '/' || !base_dir || !*base_dir)
            snprintf(path, sizeof path, "%s", name_or_path);
        else if (snprintf(path, sizeof path, "%s/%s", base_dir, name_or_path) >= (int)sizeof path)
            path[0] = '\0';
        cfg_ctx_init(&tctx, path);
        tctx.no_quotes = 1;   /* the scenario may name any file: say where, quote nothing */
        root = cfg_load_file(&tctx, path);
    } else {
        const struct embedded_table *e = pricing_embedded;
        while (e->name && strcmp(e->name, name_or_path) != 0)
            e++;
        if (!e->name) {
            char list[256] = "";
            for (e = pricing_embedded; e->name; e++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s\"%s\"", l ? ", " : "", e->name);
            }
            cfg_node n;
            cfg_root(&n, ctx, NULL, NULL);
            cfg_fail(&n, "pricing", "unknown price table \"%s\"; expected one of %s or a path "
                     "ending in .json", name_or_path, list);
            return -1;
        }
        snprintf(path, sizeof path, "models/pricing/%s.json (embedded)", e->name);
        cfg_ctx_init(&tctx, path);
        root = cfg_parse_text(&tctx, e->json, strlen(e->json));
    }
    int rc = root ? parse_table(t, &tctx, root) : -1;
    cJSON_Delete(root);
    if (rc != 0 && !ctx->failed) {
        /* The table's own file and path, after the scenario's and the key that names it:
         * "scenario.json: pricing: prices.json: compute.gb_s: ...". */
        cfg_node n;
        cfg_root(&n, ctx, NULL, NULL);
        cfg_fail(&n, "pricing", "%s", tctx.message);
    }
    return rc;
}

/* ---- the bill ---------------------------------------------------------------- */

double billing_round_cents(double x) { return round(x * 100.0) / 100.0; }

double billing_tiered(const price_tiers *t, double quantity)
{
    double cost = 0, low = 0;
    for (size_t i = 0; i < t->n && quantity > low; i++) {
        double high = t->tier[i].up_to;
        double in_tier = (quantity < high ? quantity : high) - low;
        cost += in_tier * t->tier[i].price;
        low = high;
    }
    return cost;
}

/* Another provider: its functions' requests, memory-time and CPU, free allowances (with
 * free_tier) or a plan's inclusions (Workers: always, for the plan's fee). */
static void compute_generic(const price_table *t, const usage *u, bool free_tier, double scale, bill *b)
{
    const function_prices *p = &t->fn;
    double req = 0, gb_s = 0, cpu = 0;
    bool any = false;
    for (size_t i = 0; i < u->n; i++) {
        const lambda_usage *l = &u->lambda[i];
        if (!l->used)
            continue;
        any = true;
        req += l->requests * scale;
        gb_s += l->gb_s * scale;
        cpu += l->cpu_units * scale;
    }
    double raw[BILL_LINES] = { 0 };
    double free_req = free_tier ? p->free_requests : 0, free_gb = free_tier ? p->free_gb_s : 0;
    double free_cpu = free_tier ? p->free_cpu_units : 0;
    free_req += p->included_requests;
    raw[LINE_FN_REQUESTS] = fmax(0, req - free_req) / 1e6 * p->request_per_million;
    raw[LINE_FN_MEMORY] = fmax(0, gb_s - free_gb) * p->gb_s;
    if (p->cpu_ms_per_million > 0)
        raw[LINE_FN_CPU] = fmax(0, cpu - p->included_cpu_ms) / 1e6 * p->cpu_ms_per_million;
    else
        raw[LINE_FN_CPU] = fmax(0, cpu - free_cpu) * p->cpu_unit;
    raw[LINE_FN_PLAN] = any ? p->base_monthly : 0;
    b->total = 0;
    for (int k = 0; k < BILL_LINES; k++) {
        b->line[k] = billing_round_cents(raw[k]);
        b->total += b->line[k];
    }
    b->total = billing_round_cents(b->total);
    double usage_total = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->lambda[i].used)
            usage_total += u->lambda[i].requests;
    for (size_t i = 0; i < u->n; i++) {
        const lambda_usage *l = &u->lambda[i];
        double c = 0;
        if (l->used) {
            if (req > 0)
                c += raw[LINE_FN_REQUESTS] * l->requests * scale / req;
            if (gb_s > 0)
                c += raw[LINE_FN_MEMORY] * l->gb_s * scale / gb_s;
            if (cpu > 0)
                c += raw[LINE_FN_CPU] * l->cpu_units * scale / cpu;
            if (usage_total > 0)
                c += raw[LINE_FN_PLAN] * l->requests / usage_total;
        }
        if (u->services && u->services[i].used)
            c += u->services[i].fees * scale;
        b->by_component[i] = billing_round_cents(c);
    }
    /* Services' third-party fees are priced by the scenario, whatever the provider. */
    double fees = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->services && u->services[i].used)
            fees += u->services[i].fees * scale;
    b->line[LINE_SERVICE_FEES] = billing_round_cents(fees);
    b->total = billing_round_cents(b->total + b->line[LINE_SERVICE_FEES]);
}

void billing_compute(const price_table *t, const usage *u, bool free_tier, double window_s, bill *b)
{
    double month_s = t->month_hours * 3600.0, scale = month_s / window_s;
    if (t->generic) {
        compute_generic(t, u, free_tier, scale, b);
        return;
    }
    double req_all = 0, req_free_eligible = 0;
    double gb_s[2] = { 0, 0 }, gb_s_eligible[2] = { 0, 0 };
    double pc_cap[2] = { 0, 0 }, pc_dur[2] = { 0, 0 };
    double edge_req = 0, edge_gb_s = 0;
    for (size_t i = 0; i < u->n; i++) {
        const lambda_usage *l = &u->lambda[i];
        if (!l->used)
            continue;
        if (l->edge) {
            edge_req += l->requests * scale;
            edge_gb_s += l->gb_s * scale;
            continue;
        }
        req_all += l->requests * scale;
        gb_s[l->arch] += l->gb_s * scale;
        pc_dur[l->arch] += l->pc_gb_s * scale;
        /* Configured capacity is a level, not an event count: a month of it. */
        pc_cap[l->arch] += l->pc_capacity_gb_s * scale;
        if (!l->provisioned) {
            req_free_eligible += l->requests * scale;
            gb_s_eligible[l->arch] += l->gb_s * scale;
        }
    }
    double free_req = 0, free_gb_s[2] = { 0, 0 };
    if (free_tier) {
        free_req = fmin(t->lambda_free_requests, req_free_eligible);
        double left = t->lambda_free_gb_s;
        for (int a = 0; a < 2; a++) {
            free_gb_s[a] = fmin(left, gb_s_eligible[a]);
            left -= free_gb_s[a];
        }
    }
    double raw[BILL_LINES] = { 0 };
    raw[LINE_LAMBDA_REQUESTS] = (req_all - free_req) / 1e6 * t->lambda_request_per_million;
    raw[LINE_LAMBDA_DURATION] = billing_tiered(&t->lambda_duration[0], gb_s[0] - free_gb_s[0]);
    raw[LINE_LAMBDA_DURATION_ARM64] = billing_tiered(&t->lambda_duration[1], gb_s[1] - free_gb_s[1]);
    raw[LINE_LAMBDA_PC_CAPACITY] = pc_cap[0] * t->lambda_pc_capacity[0];
    raw[LINE_LAMBDA_PC_CAPACITY_ARM64] = pc_cap[1] * t->lambda_pc_capacity[1];
    raw[LINE_LAMBDA_PC_DURATION] = pc_dur[0] * t->lambda_pc_duration[0];
    raw[LINE_LAMBDA_PC_DURATION_ARM64] = pc_dur[1] * t->lambda_pc_duration[1];
    /* The SQS free tier covers standard and FIFO requests together (standard first). */
    double sqs_std = 0, sqs_fifo = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->sqs && u->sqs[i].used)
            *(u->sqs[i].fifo ? &sqs_fifo : &sqs_std) += u->sqs[i].requests * scale;
    double sqs_free = free_tier ? t->sqs_free_requests : 0;
    double free_std = fmin(sqs_free, sqs_std), free_fifo = fmin(sqs_free - free_std, sqs_fifo);
    raw[LINE_SQS_REQUESTS] = (sqs_std - free_std) / 1e6 * t->sqs_request_per_million;
    raw[LINE_SQS_FIFO_REQUESTS] = (sqs_fifo - free_fifo) / 1e6 * t->sqs_fifo_request_per_million;
    double sns_all = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->sns && u->sns[i].used)
            sns_all += u->sns[i].publishes * scale;
    double sns_free = free_tier ? fmin(t->sns_free_publishes, sns_all) : 0;
    raw[LINE_SNS_PUBLISHES] = (sns_all - sns_free) / 1e6 * t->sns_publish_per_million;
    double http_all = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->sns && u->sns[i].used)
            http_all += u->sns[i].http_deliveries * scale;
    double http_free = free_tier ? fmin(t->sns_http_free, http_all) : 0;
    raw[LINE_SNS_HTTP] = (http_all - http_free) / 1e6 * t->sns_http_per_million;
    double sched_all = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->scheduler)
            sched_all += u->scheduler[i] * scale;
    double sched_free = free_tier ? fmin(t->scheduler_free, sched_all) : 0;
    raw[LINE_SCHEDULER_INVOCATIONS] = (sched_all - sched_free) / 1e6 * t->scheduler_per_million;
    double events_all = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->events)
            events_all += u->events[i] * scale;
    raw[LINE_EVENTBRIDGE_EVENTS] = events_all / 1e6 * t->events_per_million;
    double shard_hours = 0, put_units = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->kinesis && u->kinesis[i].used) {
            shard_hours += u->kinesis[i].shard_hours * scale;
            put_units += u->kinesis[i].put_units * scale;
        }
    raw[LINE_KINESIS_SHARD_HOURS] = shard_hours * t->kinesis_shard_hour;
    raw[LINE_KINESIS_PUT_UNITS] = put_units / 1e6 * t->kinesis_put_units_per_million;
    double puts = 0, gets = 0, stored = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->s3 && u->s3[i].used) {
            puts += u->s3[i].puts * scale;
            gets += u->s3[i].gets * scale;
            stored += u->s3[i].stored_gb_per_window * scale;
        }
    raw[LINE_S3_PUTS] = puts / 1000 * t->s3_put_per_thousand;
    raw[LINE_S3_GETS] = gets / 1000 * t->s3_get_per_thousand;
    raw[LINE_S3_STORAGE] = stored * t->s3_gb_month;
    double rru = 0, wru = 0, proxy = 0, fees = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->services && u->services[i].used) {
            rru += u->services[i].read_units * scale;
            wru += u->services[i].write_units * scale;
            proxy += u->services[i].proxy_vcpu_hours * scale;
            fees += u->services[i].fees * scale;
        }
    raw[LINE_DYNAMODB_READS] = rru / 1e6 * t->dynamodb_read_per_million;
    raw[LINE_DYNAMODB_WRITES] = wru / 1e6 * t->dynamodb_write_per_million;
    raw[LINE_RDS_PROXY] = proxy * t->rds_proxy_vcpu_hour;
    raw[LINE_SERVICE_FEES] = fees;
    double transitions = 0, express_req = 0, express_gb_s = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->workflows && u->workflows[i].used) {
            transitions += u->workflows[i].transitions * scale;
            express_req += u->workflows[i].requests * scale;
            express_gb_s += u->workflows[i].gb_s * scale;
        }
    double free_tr = free_tier ? fmin(t->sfn_free_transitions, transitions) : 0;
    raw[LINE_SFN_TRANSITIONS] = (transitions - free_tr) / 1000 * t->sfn_transition_per_thousand;
    raw[LINE_SFN_EXPRESS_REQUESTS] = express_req / 1e6 * t->sfn_express_request_per_million;
    raw[LINE_SFN_EXPRESS_DURATION] = billing_tiered(&t->sfn_express_gb_s, express_gb_s);
    double fg_vcpu = 0, fg_gb = 0, ec2 = 0, lb_h = 0, lcu_h = 0;
    for (size_t i = 0; i < u->n; i++) {
        const fleet_usage *f = u->fleets ? &u->fleets[i] : NULL;
        if (!f || !f->used)
            continue;
        if (f->is_vm) {
            ec2 += f->instance_hours * scale * t->instances[f->instance].hour;
        } else {
            fg_vcpu += f->vcpu_hours * scale * t->fargate_vcpu_hour[f->arch];
            fg_gb += f->gb_hours * scale * t->fargate_gb_hour[f->arch];
        }
        lb_h += f->lb_hours * scale;
        lcu_h += f->lcu_hours * scale;
    }
    double eph = 0, rest = 0, http = 0, logs = 0, dto = 0, cache = 0;
    for (size_t i = 0; i < u->n; i++) {
        cache += u->lambda[i].apigw_cache_usd * scale;
        eph += u->lambda[i].ephemeral_gb_s * scale;
        rest += u->lambda[i].apigw_rest * scale;
        http += u->lambda[i].apigw_http * scale;
        logs += u->lambda[i].log_gb * scale;
        dto += u->lambda[i].transfer_out_gb * scale;
    }
    raw[LINE_LAMBDA_EPHEMERAL] = eph * t->lambda_ephemeral_gb_s;
    raw[LINE_APIGW_REST] = billing_tiered(&t->apigw_rest, rest / 1e6);
    raw[LINE_APIGW_HTTP] = billing_tiered(&t->apigw_http, http / 1e6);
    raw[LINE_APIGW_CACHE] = cache;
    raw[LINE_EDGE_REQUESTS] = edge_req / 1e6 * t->edge_request_per_million;
    raw[LINE_EDGE_DURATION] = edge_gb_s * t->edge_gb_s;
    raw[LINE_LOGS_INGESTION] = billing_tiered(&t->logs_ingestion_gb, logs);
    raw[LINE_TRANSFER_OUT] = billing_tiered(&t->transfer_out_gb, dto);
    raw[LINE_FARGATE_VCPU] = fg_vcpu;
    raw[LINE_FARGATE_MEMORY] = fg_gb;
    raw[LINE_EC2_INSTANCES] = ec2;
    raw[LINE_LOAD_BALANCER_HOURS] = lb_h * t->alb_hour;
    raw[LINE_LOAD_BALANCER_LCU] = lcu_h * t->alb_lcu_hour;
    b->total = 0;
    for (int k = 0; k < BILL_LINES; k++) {
        b->line[k] = billing_round_cents(raw[k]);
        b->total += b->line[k];
    }
    b->total = billing_round_cents(b->total);

    /* Each component's share of each line, by its share of that line's billable usage:
     * the free tier is credited to the eligible functions in proportion to their usage. */
    double req_billable = req_all - free_req, gb_billable[2] = { gb_s[0] - free_gb_s[0], gb_s[1] - free_gb_s[1] };
    for (size_t i = 0; i < u->n; i++) {
        const lambda_usage *l = &u->lambda[i];
        double c = 0;
        if (l->used && l->edge) {
            if (edge_req > 0)
                c += raw[LINE_EDGE_REQUESTS] * l->requests * scale / edge_req;
            if (edge_gb_s > 0)
                c += raw[LINE_EDGE_DURATION] * l->gb_s * scale / edge_gb_s;
        } else if (l->used) {
            int a = l->arch;
            double req = l->requests * scale, gb = l->gb_s * scale;
            if (!l->provisioned && req_free_eligible > 0)
                req -= free_req * req / req_free_eligible;
            if (!l->provisioned && gb_s_eligible[a] > 0)
                gb -= free_gb_s[a] * gb / gb_s_eligible[a];
            if (req_billable > 0)
                c += raw[LINE_LAMBDA_REQUESTS] * req / req_billable;
            if (gb_billable[a] > 0)
                c += raw[a ? LINE_LAMBDA_DURATION_ARM64 : LINE_LAMBDA_DURATION] * gb / gb_billable[a];
            if (pc_cap[a] > 0)
                c += raw[a ? LINE_LAMBDA_PC_CAPACITY_ARM64 : LINE_LAMBDA_PC_CAPACITY] *
                     l->pc_capacity_gb_s * scale / pc_cap[a];
            if (pc_dur[a] > 0)
                c += raw[a ? LINE_LAMBDA_PC_DURATION_ARM64 : LINE_LAMBDA_PC_DURATION] *
                     l->pc_gb_s * scale / pc_dur[a];
        }
        {
            const lambda_usage *lu = &u->lambda[i];
            if (eph > 0)
                c += raw[LINE_LAMBDA_EPHEMERAL] * lu->ephemeral_gb_s * scale / eph;
            if (rest > 0)
                c += raw[LINE_APIGW_REST] * lu->apigw_rest * scale / rest;
            if (http > 0)
                c += raw[LINE_APIGW_HTTP] * lu->apigw_http * scale / http;
            if (logs > 0)
                c += raw[LINE_LOGS_INGESTION] * lu->log_gb * scale / logs;
            if (cache > 0)
                c += raw[LINE_APIGW_CACHE] * lu->apigw_cache_usd * scale / cache;
            if (dto > 0)
                c += raw[LINE_TRANSFER_OUT] * lu->transfer_out_gb * scale / dto;
        }
        if (u->sqs && u->sqs[i].used) {
            double all = u->sqs[i].fifo ? sqs_fifo : sqs_std;
            if (all > 0)
                c += raw[u->sqs[i].fifo ? LINE_SQS_FIFO_REQUESTS : LINE_SQS_REQUESTS] *
                     u->sqs[i].requests * scale / all;
        }
        if (u->sns && u->sns[i].used && sns_all > 0)
            c += raw[LINE_SNS_PUBLISHES] * u->sns[i].publishes * scale / sns_all;
        if (u->sns && u->sns[i].used && http_all > 0)
            c += raw[LINE_SNS_HTTP] * u->sns[i].http_deliveries * scale / http_all;
        if (u->scheduler && sched_all > 0)
            c += raw[LINE_SCHEDULER_INVOCATIONS] * u->scheduler[i] * scale / sched_all;
        if (u->events && events_all > 0)
            c += raw[LINE_EVENTBRIDGE_EVENTS] * u->events[i] * scale / events_all;
        if (u->s3 && u->s3[i].used) {
            if (puts > 0)
                c += raw[LINE_S3_PUTS] * u->s3[i].puts * scale / puts;
            if (gets > 0)
                c += raw[LINE_S3_GETS] * u->s3[i].gets * scale / gets;
            if (stored > 0)
                c += raw[LINE_S3_STORAGE] * u->s3[i].stored_gb_per_window * scale / stored;
        }
        if (u->kinesis && u->kinesis[i].used) {
            if (shard_hours > 0)
                c += raw[LINE_KINESIS_SHARD_HOURS] * u->kinesis[i].shard_hours * scale / shard_hours;
            if (put_units > 0)
                c += raw[LINE_KINESIS_PUT_UNITS] * u->kinesis[i].put_units * scale / put_units;
        }
        if (u->services && u->services[i].used) {
            const service_usage *v = &u->services[i];
            if (rru > 0)
                c += raw[LINE_DYNAMODB_READS] * v->read_units * scale / rru;
            if (wru > 0)
                c += raw[LINE_DYNAMODB_WRITES] * v->write_units * scale / wru;
            if (proxy > 0)
                c += raw[LINE_RDS_PROXY] * v->proxy_vcpu_hours * scale / proxy;
            c += v->fees * scale;
        }
        if (u->fleets && u->fleets[i].used) {
            const fleet_usage *f = &u->fleets[i];
            if (f->is_vm)
                c += f->instance_hours * scale * t->instances[f->instance].hour;
            else
                c += f->vcpu_hours * scale * t->fargate_vcpu_hour[f->arch] +
                     f->gb_hours * scale * t->fargate_gb_hour[f->arch];
            c += f->lb_hours * scale * t->alb_hour + f->lcu_hours * scale * t->alb_lcu_hour;
        }
        if (u->workflows && u->workflows[i].used) {
            const workflow_usage *v = &u->workflows[i];
            if (transitions > 0)
                c += raw[LINE_SFN_TRANSITIONS] * v->transitions * scale / transitions;
            if (express_req > 0)
                c += raw[LINE_SFN_EXPRESS_REQUESTS] * v->requests * scale / express_req;
            if (express_gb_s > 0)
                c += raw[LINE_SFN_EXPRESS_DURATION] * v->gb_s * scale / express_gb_s;
        }
        b->by_component[i] = billing_round_cents(c);
    }
}

double billing_apigw_cache_hour(const price_table *t, double size_gb)
{
    for (size_t i = 0; i < t->n_apigw_cache; i++)
        if (fabs(t->apigw_cache_gb[i] - size_gb) < 1e-9)
            return t->apigw_cache_hour[i];
    return -1;
}
