/* stream.c — a data stream (Amazon Kinesis Data Streams, provisioned) read by a Lambda
 * event source mapping, or an Azure Event Hub (Standard) read by the Functions trigger.
 *
 * A record gets one of partition_keys keys at random; key k lives on shard k mod shards.
 * Each shard takes at most write_records_per_s records and write_kb_per_s KB a second
 * (token buckets holding one second's worth); a put beyond that is throttled. The consumer
 * reads each shard as parallelization_factor lanes (a key always maps to the same lane, as
 * on Lambda, so records of a key stay in order), each lane in order and one batch at a
 * time, polling once every poll_interval_s while the lane is idle. A failed batch is retried (after one poll
 * interval) until it succeeds, until max_retry_attempts, or until its oldest record is
 * older than max_record_age_s; the shard waits meanwhile. With bisect_on_error a failed
 * batch is split in two and the halves retried in order, so a poisoned record ends up
 * alone. Records given up go to on_failure (dead-lettered) or are lost (expired).
 *
 * Event Hubs (service "event-hubs"): the key's partition is its lane (partitions of them, no
 * parallelization factor); the ingress limit is the namespace's throughput units', shared by
 * every partition: throughput_units x 1,000 events and x 1 MB a second (a token bucket of
 * one second's worth), above which a send is throttled (ServerBusyException). The trigger
 * takes up to batch_size (maxEventBatchSize, 100) events a batch and, without a retry
 * policy, checkpoints past a failed batch: its events are skipped (lost). Billed per
 * throughput-unit hour and per million ingress events of 64 KB.
 *
 * Keys are uniform by default; with key_distribution "zipf" key k (k = 0 the most popular)
 * is drawn with probability proportional to 1/(k+1)^zipf_exponent, so the shard holding key 0
 * can be hot — throttled at its own limit, its iterator age growing — while the stream's
 * total is under the sum of its shards'. The figures per shard: the busiest shard's share of
 * the writes, its throttled share and iterator age, and the worst shard's mean iterator age.
 *
 * Kinesis capacity_mode "on-demand" (On-demand Standard) bills the stream-hour and each GB
 * written and read (records rounded up to 1 KB; a retried batch is read again) instead of
 * shard-hours and PUT units; it starts with the write capacity of 4 shards. Its scaling (to
 * twice the previous peak) is not modelled: the stream keeps `shards` shards, each with the
 * per-shard limits, which is what a hot key meets on either mode.
 *
 * Invariant: a lane's records are a list in arrival order; a batch in flight is its first
 * n records, still at the head of the list until they are done. */
#include "models/stream.h"
#include "sim/rng.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stream_spec {
    char    *name;
    uint32_t shards, partition_keys;
    double   write_records_per_s, write_kb_per_s;
    rate_limit write_records, write_kb;   /* the same, as token buckets of one second */
    char    *consumer_name, *on_failure_name;
    int      consumer, on_failure;
    uint32_t batch_size, parallelization;
    double   poll_interval_s, batch_window_s;
    int64_t  max_retries;          /* -1: until the record is too old */
    double   max_record_age_s;
    bool     bisect;
    bool     event_hubs;           /* the service: Azure Event Hubs (else Kinesis) */
    uint32_t throughput_units;
    rate_limit hub_events, hub_kb;  /* Event Hubs: the namespace's ingress limits */
    bool     on_demand;            /* Kinesis capacity mode on-demand (else provisioned) */
    double   zipf_exponent;        /* key popularity: 0 uniform, else Zipf with this exponent */
    double  *key_cdf;              /* Zipf: P(key <= k) for each key, the last exactly 1 */
} stream_spec;

static void stream_free_spec(void *p)
{
    stream_spec *s = p;
    if (!s)
        return;
    free(s->name);
    free(s->consumer_name);
    free(s->on_failure_name);
    free(s->key_cdf);
    free(s);
}

/* The Zipf table: key k has weight 1/(k+1)^exponent. Returns false when out of memory. */
static bool zipf_table(stream_spec *s)
{
    s->key_cdf = malloc((size_t)s->partition_keys * sizeof *s->key_cdf);
    if (!s->key_cdf)
        return false;
    double sum = 0;
    for (uint32_t k = 0; k < s->partition_keys; k++) {
        sum += pow(k + 1.0, -s->zipf_exponent);
        s->key_cdf[k] = sum;
    }
    for (uint32_t k = 0; k < s->partition_keys; k++)
        s->key_cdf[k] /= sum;
    s->key_cdf[s->partition_keys - 1] = 1.0;
    return true;
}

/* A key drawn from the Zipf table: the first whose cumulative probability exceeds u. */
static uint32_t zipf_key(const stream_spec *s, double u)
{
    uint32_t lo = 0, hi = s->partition_keys - 1;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->key_cdf[mid] > u)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static const char *const stream_services[] = { "kinesis", "event-hubs", NULL };

/* A key of one service only: refused on the other, naming the one that takes it. */
static void stream_only(cfg_node *n, const stream_spec *s, const char *key, bool event_hubs)
{
    if (s->event_hubs != event_hubs && cfg_has(n, key))
        cfg_fail(n, key, "is a%s key; this stream's service is \"%s\"",
                 event_hubs ? "n Event Hubs (service \"event-hubs\")" : " Kinesis (service \"kinesis\")",
                 s->event_hubs ? "event-hubs" : "kinesis");
}

static void *stream_parse(cfg_node *n, world_spec *w)
{
    stream_spec *s = calloc(1, sizeof *s);
    if (!s) {
        cfg_fail(n, NULL, "out of memory");
        return NULL;
    }
    s->name = strdup(cfg_string_req(n, "name"));
    s->event_hubs = world_service(n, w, "stream", stream_services, 0) == 1;
    static const char *const kinesis_keys[] = { "shards", "write_records_per_s", "write_kb_per_s",
                                                "capacity_mode", NULL };
    static const char *const hub_keys[] = { "throughput_units", "partitions", NULL };
    for (size_t i = 0; kinesis_keys[i]; i++)
        stream_only(n, s, kinesis_keys[i], false);
    for (size_t i = 0; hub_keys[i]; i++)
        stream_only(n, s, hub_keys[i], true);
    s->partition_keys = (uint32_t)cfg_integer(n, "partition_keys", 1000, 1, 100000000);
    static const char *const distributions[] = { "uniform", "zipf", NULL };
    if (cfg_enum(n, "key_distribution", distributions, 0) == 1) {
        s->zipf_exponent = cfg_number(n, "zipf_exponent", 1, 0.01, 10);
        if (s->partition_keys > 1000000)
            cfg_fail(n, "partition_keys", "is %u; a Zipf key distribution takes at most 1000000 keys",
                     s->partition_keys);
        else if (!cfg_failed(n) && !zipf_table(s))
            cfg_fail(n, NULL, "out of memory");
    } else if (cfg_has(n, "zipf_exponent")) {
        cfg_fail(n, "zipf_exponent", "needs \"key_distribution\": \"zipf\"");
    }
    if (s->event_hubs) {
        /* Standard: 1 to 20 throughput units a namespace (1 MB/s or 1,000 events/s of ingress
         * each), 1 to 32 partitions a hub. */
        s->throughput_units = (uint32_t)cfg_integer(n, "throughput_units", 1, 1, 20);
        s->shards = (uint32_t)cfg_integer(n, "partitions", 16, 1, 32);
        double events = 1000.0 * s->throughput_units, kb = 1024.0 * s->throughput_units;
        s->hub_events = (rate_limit){ .per_s = events, .burst = events };
        s->hub_kb = (rate_limit){ .per_s = kb, .burst = kb };
        s->write_records_per_s = INFINITY;
        s->write_kb_per_s = INFINITY;
    } else {
        static const char *const modes[] = { "provisioned", "on-demand", NULL };
        s->on_demand = cfg_enum(n, "capacity_mode", modes, 0) == 1;
        /* On-demand starts with 4 MB/s and 4,000 records/s of writes: 4 shards' worth. */
        s->shards = (uint32_t)cfg_integer(n, "shards", s->on_demand ? 4 : 1, 1, 10000);
        static const char *const on_demand_dims[] = { "stream.stream_hours", "stream.gb_written",
                                                      "stream.gb_read", NULL };
        for (size_t i = 0; s->on_demand && !cfg_failed(n) && on_demand_dims[i]; i++)
            if (!price_find(&w->prices, on_demand_dims[i]))
                cfg_fail(n, "capacity_mode", "is \"on-demand\", but the price table prices no %s",
                         on_demand_dims[i]);
        s->write_records_per_s = cfg_number(n, "write_records_per_s", 1000, 1, 1e6);
        s->write_kb_per_s = cfg_number(n, "write_kb_per_s", 1024, 1, 1e7);
    }
    s->write_records = (rate_limit){ .per_s = s->write_records_per_s, .burst = s->write_records_per_s };
    s->write_kb = (rate_limit){ .per_s = s->write_kb_per_s, .burst = s->write_kb_per_s };
    s->consumer = s->on_failure = -1;
    cfg_node c;
    if (cfg_object(n, "consumer", &c)) {
        s->consumer_name = strdup(cfg_string_req(&c, "function"));
        if (s->event_hubs) {
            static const char *const kinesis_only[] = { "parallelization_factor", "batch_window_s",
                                                        "max_record_age_s", "bisect_on_error", "on_failure", NULL };
            for (size_t i = 0; kinesis_only[i]; i++)
                stream_only(&c, s, kinesis_only[i], false);
            /* The Functions trigger: maxEventBatchSize 100; no retry policy (a failed batch is
             * checkpointed past); events arrive over AMQP as they come (an assumed 10 ms);
             * retention 7 days. */
            s->batch_size = (uint32_t)cfg_integer(&c, "batch_size", 100, 1, 1000);
            s->parallelization = 1;
            s->batch_window_s = 0;
            s->poll_interval_s = cfg_number(&c, "poll_interval_s", 0.01, 0.001, 60);
            s->max_retries = cfg_integer(&c, "max_retry_attempts", 0, -1, 10000);
            s->max_record_age_s = 604800;
        } else {
            s->batch_size = (uint32_t)cfg_integer(&c, "batch_size", 100, 1, 10000);
            s->parallelization = (uint32_t)cfg_integer(&c, "parallelization_factor", 1, 1, 10);
            s->batch_window_s = cfg_number(&c, "batch_window_s", 0, 0, 300);
            s->poll_interval_s = cfg_number(&c, "poll_interval_s", 1, 0.001, 60);
            s->max_retries = cfg_integer(&c, "max_retry_attempts", -1, -1, 10000);
            s->max_record_age_s = cfg_number(&c, "max_record_age_s", 86400, 60, 604800);
            s->bisect = cfg_bool(&c, "bisect_on_error", false);
            const char *dest = cfg_string(&c, "on_failure", NULL);
            s->on_failure_name = dest ? strdup(dest) : NULL;
        }
        cfg_done(&c);
    } else {
        s->parallelization = 1;
        cfg_put(n, "consumer", cJSON_CreateNull());
    }
    cfg_know(n, "kind");
    cfg_done(n);
    if (cfg_failed(n)) {
        stream_free_spec(s);
        return NULL;
    }
    return s;
}

static int stream_link(void *p, const world_spec *w, cfg_ctx *ctx, const char *path)
{
    stream_spec *s = p;
    cfg_node n;
    cfg_root(&n, ctx, NULL, NULL);
    snprintf(n.path, sizeof n.path, "%s.consumer", path);
    if (s->consumer_name) {
        s->consumer = world_spec_component(w, s->consumer_name);
        if (s->consumer < 0 || !w->components[s->consumer].kind->accept) {
            cfg_fail(&n, "function", "\"%s\" is not a component that can be invoked", s->consumer_name);
            return -1;
        }
    }
    if (s->on_failure_name) {
        s->on_failure = world_spec_component(w, s->on_failure_name);
        if (s->on_failure < 0 || !w->components[s->on_failure].kind->enqueue ||
            w->components[s->on_failure].spec == p) {
            cfg_fail(&n, "on_failure", "\"%s\" is not another component that takes messages",
                     s->on_failure_name);
            return -1;
        }
    }
    return 0;
}

/* ---- run state ------------------------------------------------------------------------ */

/* A lane: one shard's share of the keys (all of it with parallelization factor 1). The
 * write limits live on the lanes of index 0 mod parallelization (the physical shards). */
typedef struct shard {
    uint32_t first, last, n;       /* records in arrival order (linked by queue_next) */
    uint32_t in_batch;             /* records at the head in the batch in flight (0: none) */
    uint32_t attempts;             /* failed attempts of the batch in flight (not throttles) */
    uint8_t  retrying;             /* the batch in flight failed or was throttled at least once */
    uint8_t  polling;              /* a poll is scheduled */
    token_bucket writes_rec, writes_kb;   /* physical shards: the write limits */
    /* physical shards, measured: writes tried and throttled, iterator ages of its batches */
    uint64_t puts, throttled, age_count;
    double   age_sum_ms, age_max_ms;
} shard;

typedef struct stream_state {
    const stream_spec *s;
    world   *w;
    int      index;
    shard   *shard;
    gsl_rng *r_key;
    /* measured figures */
    uint64_t records, throttled_puts, batches, retries, bisections, expired, to_on_failure;
    uint64_t processed, put_units, skipped;
    uint64_t kb_written, kb_read;    /* on-demand: records' sizes rounded up to 1 KB */
    token_bucket hub_events, hub_kb;   /* Event Hubs: the namespace's ingress */
    hist     iterator_age_ms;
    double  *key_last;               /* per key (when keys <= 1M): last processed write time */
    uint64_t out_of_order;           /* records processed before an earlier one of their key */
} stream_state;

static void *stream_start(const void *spec, world *w, int index)
{
    const stream_spec *s = spec;
    stream_state *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    char name[300];
    snprintf(name, sizeof name, "stream.%s.keys", s->name);
    st->s = s;
    st->w = w;
    st->index = index;
    st->shard = calloc((size_t)s->shards * s->parallelization, sizeof *st->shard);
    st->r_key = sim_stream(w->s, name);
    hist_init(&st->iterator_age_ms);
    if (s->partition_keys <= 1000000)
        st->key_last = calloc(s->partition_keys, sizeof *st->key_last);
    if (!st->shard || !st->r_key || (s->partition_keys <= 1000000 && !st->key_last)) {
        free(st->key_last);
        free(st->shard);
        free(st);
        return NULL;
    }
    token_bucket_init(&st->hub_events, &s->hub_events);
    token_bucket_init(&st->hub_kb, &s->hub_kb);
    for (uint32_t i = 0; i < s->shards; i++) {
        token_bucket_init(&st->shard[(size_t)i * s->parallelization].writes_rec, &s->write_records);
        token_bucket_init(&st->shard[(size_t)i * s->parallelization].writes_kb, &s->write_kb);
    }
    return st;
}

static bool measuring(const stream_state *st) { return world_measuring(st->w, sim_now(st->w->s)); }

static void on_poll(sim *sm, void *target, uint64_t arg);

static void schedule_poll(stream_state *st, uint32_t k, double delay)
{
    shard *sh = &st->shard[k];
    if (sh->polling || st->s->consumer < 0)
        return;
    sh->polling = 1;
    sim_at(st->w->s, sim_now(st->w->s) + delay, on_poll, st, k);
}

/* Removes the first record of shard k. */
static uint32_t shard_pop(stream_state *st, uint32_t k)
{
    shard *sh = &st->shard[k];
    assert(sh->n > 0);
    uint32_t req = sh->first;
    sh->first = st->w->req[req].queue_next;
    sh->n--;
    return req;
}

static void stream_enqueue(void *state, world *w, uint32_t req)
{
    stream_state *st = state;
    const stream_spec *s = st->s;
    double now = sim_now(w->s);
    request *r = &w->req[req];
    uint32_t key = s->key_cdf ? zipf_key(s, rng_uniform(st->r_key))
                              : (uint32_t)rng_uniform_int(st->r_key, s->partition_keys);
    uint32_t physical = key % s->shards;
    shard *ph = &st->shard[(size_t)physical * s->parallelization];
    if (measuring(st))
        ph->puts++;
    /* Event Hubs: the namespace's throughput units, shared by every partition; Kinesis: the
     * shard's own limits. Both limits are checked before either is spent. */
    token_bucket *events = s->event_hubs ? &st->hub_events : &ph->writes_rec;
    token_bucket *kb = s->event_hubs ? &st->hub_kb : &ph->writes_kb;
    const rate_limit *events_limit = s->event_hubs ? &s->hub_events : &s->write_records;
    const rate_limit *kb_limit = s->event_hubs ? &s->hub_kb : &s->write_kb;
    token_bucket_refill(events, events_limit, now);
    token_bucket_refill(kb, kb_limit, now);
    if (events->tokens < 1 || kb->tokens < r->size_kb) {
        if (measuring(st)) {
            st->throttled_puts++;
            ph->throttled++;
        }
        /* Kinesis: ProvisionedThroughputExceeded; Event Hubs: ServerBusyException */
        world_finish(w, req, OUTCOME_THROTTLED);
        return;
    }
    events->tokens -= 1;
    kb->tokens -= r->size_kb;
    /* The key's lane: the same key always lands on the same lane. */
    uint32_t k = physical * s->parallelization + (key / s->shards) % s->parallelization;
    shard *sh = &st->shard[k];
    r->partition_key = key;
    r->entered = now;
    if (measuring(st)) {
        st->records++;
        /* Kinesis: 25 KB PUT payload units; Event Hubs: 64 KB ingress events. */
        st->put_units += (uint64_t)fmax(1.0, ceil(r->size_kb / (s->event_hubs ? 64 : 25) - 1e-9));
        if (s->on_demand)       /* only on-demand bills the 1 KB-rounded bytes */
            st->kb_written += (uint64_t)fmax(1.0, ceil(r->size_kb - 1e-9));
    }
    if (sh->n == 0)
        sh->first = req;
    else
        w->req[sh->last].queue_next = req;
    sh->last = req;
    sh->n++;
    if (!sh->in_batch)
        schedule_poll(st, k, s->poll_interval_s);
}

/* The records of the batch in flight leave the shard: processed, or given up. */
static void finish_batch(stream_state *st, uint32_t k, bool ok)
{
    shard *sh = &st->shard[k];
    world *w = st->w;
    uint32_t n = sh->in_batch;
    assert(n <= sh->n);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t req = shard_pop(st, k);
        if (ok) {
            if (measuring(st))
                st->processed++;
            /* The order check (an invariant the lanes must keep, reported as a figure). */
            const request *r = &w->req[req];
            if (st->key_last) {
                if (r->entered < st->key_last[r->partition_key])
                    st->out_of_order++;
                st->key_last[r->partition_key] = r->entered;
            }
            world_finish(w, req, OUTCOME_COMPLETED);
        } else if (st->s->event_hubs) {
            if (measuring(st))
                st->skipped++;
            world_finish(w, req, OUTCOME_FAILED);   /* checkpointed past */
        } else if (st->s->on_failure >= 0) {
            if (measuring(st))
                st->to_on_failure++;
            world_dead_letter(w, req, st->s->on_failure);
        } else {
            if (measuring(st))
                st->expired++;
            world_finish(w, req, OUTCOME_EXPIRED);
        }
    }
    sh->in_batch = 0;
    sh->attempts = 0;
    sh->retrying = 0;
    if (sh->n > 0)
        schedule_poll(st, k, 0);
}

static void on_poll(sim *sm, void *target, uint64_t arg)
{
    stream_state *st = target;
    const stream_spec *s = st->s;
    world *w = st->w;
    uint32_t k = (uint32_t)arg;
    shard *sh = &st->shard[k];
    sh->polling = 0;
    if (sh->n == 0 || st->s->consumer < 0)
        return;
    double now = sim_now(sm);
    if (!sh->in_batch && sh->n < s->batch_size && s->batch_window_s > 0) {
        /* Wait up to the window, from the oldest record, for a full batch. */
        double due = w->req[sh->first].entered + s->batch_window_s;
        if (due > now) {
            sh->polling = 1;
            sim_at(sm, due, on_poll, st, k);
            return;
        }
    }
    if (!sh->in_batch)
        sh->in_batch = sh->n < s->batch_size ? sh->n : s->batch_size;
    /* Too old to retry? (The oldest record of the batch is the lane's first; its age counts
     * from when it was written to the stream.) */
    if (sh->in_batch && sh->retrying && now - w->req[sh->first].entered > s->max_record_age_s) {
        finish_batch(st, k, false);
        return;
    }
    uint32_t carrier = world_request_new(w);
    if (carrier == UINT32_MAX) {
        w->out_of_memory = 1;
        return;
    }
    request *c = &w->req[carrier];
    uint8_t poison = 0, work = 0;
    double kb = 0, last_entered = 0;
    uint64_t kb_read = 0;
    uint32_t req = sh->first;
    for (uint32_t i = 0; i < sh->in_batch; i++) {
        poison |= w->req[req].poison;
        work |= w->req[req].work == WORK_UNIT;
        kb += w->req[req].size_kb;
        if (s->on_demand)
            kb_read += (uint64_t)fmax(1.0, ceil(w->req[req].size_kb - 1e-9));
        last_entered = w->req[req].entered;
        req = w->req[req].queue_next;
    }
    c->measured = 0;
    c->caller = st->index;
    c->tag = k;
    c->poison = poison;
    c->items = sh->in_batch;
    c->size_kb = (float)kb;
    c->deadline = INFINITY;
    /* The batch speaks for its first record in pipelines (its clock, source, tracing)
     * and for tenants. */
    const request *first = &w->req[sh->first];
    c->created = first->created;
    c->source = first->source;
    c->tenant = first->tenant;
    c->traced = first->measured || first->traced;
    c->work = work ? WORK_CARRIED : WORK_NONE;   /* what it sends on carries their work */
    if (measuring(st)) {
        st->batches++;
        st->kb_read += kb_read;
        /* IteratorAge, as Lambda reports it: the age of the batch's last record. */
        double age_ms = (now - last_entered) * 1000.0;
        hist_add(&st->iterator_age_ms, age_ms);
        shard *ph = &st->shard[k - k % s->parallelization];
        ph->age_count++;
        ph->age_sum_ms += age_ms;
        if (age_ms > ph->age_max_ms)
            ph->age_max_ms = age_ms;
    }
    world_deliver(w, s->consumer, carrier);
}

static void stream_reply(void *state, world *w, uint32_t carrier, attempt_result result)
{
    stream_state *st = state;
    const stream_spec *s = st->s;
    uint32_t k = w->req[carrier].tag;
    uint8_t forwarded = w->req[carrier].forwarded;
    world_request_free(w, carrier);
    shard *sh = &st->shard[k];
    if (result != RESULT_THROTTLED)
        sh->attempts++;           /* throttles are retried until the records expire */
    if (result == RESULT_OK) {
        uint32_t req = sh->first;
        for (uint32_t i = 0; i < sh->in_batch; i++, req = w->req[req].queue_next)
            w->req[req].forwarded = forwarded;
        finish_batch(st, k, true);
        return;
    }
    if (result != RESULT_THROTTLED && s->bisect && sh->in_batch > 1) {
        /* Retry the first half; the second half waits at the head of the shard. */
        sh->in_batch = sh->in_batch / 2;
        sh->attempts = 0;
        if (measuring(st))
            st->bisections++;
    } else if (result != RESULT_THROTTLED && s->max_retries >= 0 &&
               sh->attempts > (uint32_t)s->max_retries) {
        finish_batch(st, k, false);
        return;
    }
    sh->retrying = 1;
    if (result != RESULT_THROTTLED && measuring(st))
        st->retries++;
    schedule_poll(st, k, s->poll_interval_s);
}

static void stream_finish(void *state, world *w)
{
    (void)state;
    (void)w;
}

static void stream_report(const void *spec, const void *state, metric_sink *m)
{
    const stream_spec *s = spec;
    const stream_state *st = state;
    stream_state zero = { 0 };
    if (!st)
        st = &zero;
    bool any = st->iterator_age_ms.count > 0;
    metric_emit(m, "records", (double)st->records);
    metric_emit(m, "throttled_puts", (double)st->throttled_puts);
    metric_emit(m, "batches", (double)st->batches);
    metric_emit(m, "processed", (double)st->processed);
    metric_emit(m, "retries", (double)st->retries);
    metric_emit(m, "bisections", (double)st->bisections);
    metric_emit(m, "records_expired", (double)st->expired);
    metric_emit(m, "to_on_failure", (double)st->to_on_failure);
    metric_emit(m, "out_of_order", (double)st->out_of_order);
    metric_emit(m, "iterator_age_ms_mean", any ? hist_mean(&st->iterator_age_ms) : NAN);
    metric_emit(m, "iterator_age_ms_p99", any ? hist_quantile(&st->iterator_age_ms, 0.99) : NAN);
    metric_emit(m, "iterator_age_ms_max", any ? st->iterator_age_ms.max : NAN);
    if (s->event_hubs)
        metric_emit(m, "records_skipped", (double)st->skipped);
    /* Per shard: the busiest (most writes tried; the first of equals) and the one whose
     * batches were oldest on average. */
    const shard *hot = NULL;
    uint64_t puts = 0;
    double worst_mean = NAN;
    for (uint32_t i = 0; st->shard && i < s->shards; i++) {
        const shard *ph = &st->shard[(size_t)i * s->parallelization];
        puts += ph->puts;
        if (!hot || ph->puts > hot->puts)
            hot = ph;
        if (ph->age_count) {
            double mean = ph->age_sum_ms / (double)ph->age_count;
            if (!(mean <= worst_mean))
                worst_mean = mean;
        }
    }
    bool hot_read = hot && hot->age_count > 0;
    metric_emit(m, "hot_shard_share", hot && puts ? (double)hot->puts / (double)puts : NAN);
    metric_emit(m, "hot_shard_throttled_share", hot && hot->puts ? (double)hot->throttled / (double)hot->puts : NAN);
    metric_emit(m, "hot_shard_iterator_age_ms_mean", hot_read ? hot->age_sum_ms / (double)hot->age_count : NAN);
    metric_emit(m, "hot_shard_iterator_age_ms_max", hot_read ? hot->age_max_ms : NAN);
    metric_emit(m, "worst_shard_iterator_age_ms_mean", worst_mean);
}

static void stream_meter(const void *spec, const void *state, const world *w, size_t index, ledger *u)
{
    const stream_spec *s = spec;
    const stream_state *st = state;
    if (s->event_hubs) {
        usage_add(u, index, "stream.throughput_unit_hours", (double)s->throughput_units * w->spec->duration_s / 3600.0);
        usage_add(u, index, "stream.ingress_events", (double)st->put_units);
        return;
    }
    if (s->on_demand) {
        double gb = 1024.0 * 1024.0;
        usage_add(u, index, "stream.stream_hours", w->spec->duration_s / 3600.0);
        usage_add(u, index, "stream.gb_written", (double)st->kb_written / gb);
        usage_add(u, index, "stream.gb_read", (double)st->kb_read / gb);
        return;
    }
    usage_add(u, index, "stream.shard_hours", (double)s->shards * w->spec->duration_s / 3600.0);
    usage_add(u, index, "stream.put_units", (double)st->put_units);
}

static void stream_free_state(void *p)
{
    stream_state *st = p;
    if (!st)
        return;
    free(st->shard);
    free(st->key_last);
    free(st);
}

/* The consumer is invoked with a batch and the shard waits for its answer. */
static bool stream_calls(const void *spec, const char *path, size_t i, component_edge *e)
{
    const stream_spec *s = spec;
    if (i > 0 || s->consumer < 0)
        return false;
    e->target = s->consumer;
    snprintf(e->path, sizeof e->path, "%s.consumer.function", path);
    return true;
}

/* Records given up go to on_failure. */
static bool stream_sends(const void *spec, const char *path, size_t i, component_edge *e)
{
    const stream_spec *s = spec;
    if (i > 0 || s->on_failure < 0)
        return false;
    e->target = s->on_failure;
    e->failures = true;
    e->label = "on failure";
    snprintf(e->path, sizeof e->path, "%s.consumer.on_failure", path);
    return true;
}

const component_kind stream_kind = {
    .name = "stream",
    .plural = "streams",
    .parse = stream_parse,
    .free_spec = stream_free_spec,
    .link = stream_link,
    .calls = stream_calls,
    .sends = stream_sends,
    .start = stream_start,
    .accept = NULL,
    .enqueue = stream_enqueue,
    .reply = stream_reply,
    .finish = stream_finish,
    .report = stream_report,
    .meter = stream_meter,
    .bills = "stream",
    .free_state = stream_free_state,
};
