/* test_blocks.c — specifications of the kernel's shared building blocks: the indexed heap
 * (sim/heap.c) and the string map (sim/strmap.c) against brute-force references, the free
 * list's order of slots (sim/freelist.c) and the CSV dialect and reader (sim/csv.c).
 *
 * The kinds and the trace reader build on these; each test drives one block alone, with a
 * fixed seed where it draws, so a failure names the block, not a model. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_rng.h>

#include "tests/suites.h"
#include "tests/support.h"
#include "sim/csv.h"
#include "sim/freelist.h"
#include "sim/heap.h"
#include "sim/rng.h"
#include "sim/strmap.h"

#define test_alloc support_alloc

/* ---- heap: against a brute-force list -------------------------------------- */

/* Pushes (some of ids already in, which moves them), removals from the middle and pops of
 * the minimum, interleaved at random over 300 ids with keys on a coarse grid (ties are
 * frequent), checked after every step against a plain array searched linearly: the size,
 * membership of every id, the minimum key, and that the minimum's id holds that key (among
 * equal keys the heap may give any, so the reference checks the key, not the id). */
START_TEST(test_heap_matches_brute_force_reference)
{
    enum { IDS = 300, STEPS = 20000 };
    gsl_rng *r = rng_stream_alloc(2385, 0, "heap-interleaved");
    heap h = { 0 };
    double *ref = test_alloc(IDS, sizeof *ref);    /* key by id; NAN: not in */
    size_t ref_n = 0, pops = 0, moves = 0;
    for (size_t i = 0; i < IDS; i++)
        ref[i] = NAN;
    for (size_t step = 0; step < STEPS; step++) {
        double u = gsl_rng_uniform(r);
        uint32_t id = (uint32_t)gsl_rng_uniform_int(r, IDS);
        if (u < 0.55) {
            double key = 0.125 * (double)gsl_rng_uniform_int(r, 200);
            if (heap_push(&h, id, key) != 0)
                ck_abort_msg("push %zu failed", step);
            moves += !isnan(ref[id]);
            ref_n += isnan(ref[id]);
            ref[id] = key;
        } else if (u < 0.75) {
            heap_remove(&h, id);
            ref_n -= !isnan(ref[id]);
            ref[id] = NAN;
        } else {
            uint32_t got;
            double key;
            bool any = heap_min(&h, &got, &key);
            if (any != (ref_n > 0))
                ck_abort_msg("step %zu: heap_min says %d with %zu in", step, any, ref_n);
            if (any) {
                double best = INFINITY;
                for (size_t i = 0; i < IDS; i++)
                    if (!isnan(ref[i]) && ref[i] < best)
                        best = ref[i];
                if (key != best || ref[got] != best)
                    ck_abort_msg("step %zu: min (%u, %g), expected key %g (id %u holds %g)", step, got,
                                 key, best, got, ref[got]);
                heap_remove(&h, got);
                ref[got] = NAN;
                ref_n--;
                pops++;
            }
        }
        if (heap_size(&h) != ref_n)
            ck_abort_msg("step %zu: size %u, expected %zu", step, heap_size(&h), ref_n);
        for (uint32_t i = 0; i < IDS; i++)
            if (heap_contains(&h, i) != !isnan(ref[i]))
                ck_abort_msg("step %zu: id %u in the heap: %d", step, i, heap_contains(&h, i));
    }
    ck_assert_uint_gt(pops, 1000);
    ck_assert_uint_gt(moves, 1000);
    ck_assert(!heap_contains(&h, 1u << 20));     /* beyond every id seen: not in */
    heap_remove(&h, 1u << 20);                   /* and no effect */
    heap_free(&h);
    ck_assert_uint_eq(heap_size(&h), 0);
    ck_assert(!heap_min(&h, NULL, NULL));
    free(ref);
    rng_stream_free(r);
}
END_TEST

/* ---- freelist ---------------------------------------------------------------- */

/* The order a pool hands out slots is part of the results, so it is specified: after a
 * growth the new slots come lowest first, after that the last given back is taken first;
 * growth doubles from `first` up to max, keeps the items, zeroes the new ones; at max,
 * growth fails and leaves the items. */
START_TEST(test_freelist_order_growth_and_cap)
{
    freelist fl = { 0 };
    double *items = NULL;
    ck_assert(freelist_empty(&fl));
    items = freelist_grow(&fl, items, sizeof *items, 3, 10);
    ck_assert_ptr_nonnull(items);
    ck_assert_uint_eq(freelist_capacity(&fl), 3);
    for (uint32_t i = 0; i < 3; i++) {
        ck_assert(items[i] == 0.0);
        ck_assert_uint_eq(freelist_take(&fl), i);
        items[i] = 2.385 * (i + 1);
    }
    ck_assert(freelist_empty(&fl));
    freelist_give(&fl, 1);
    freelist_give(&fl, 0);
    ck_assert_uint_eq(freelist_take(&fl), 0);     /* last given back, first taken */
    ck_assert_uint_eq(freelist_take(&fl), 1);
    items = freelist_grow(&fl, items, sizeof *items, 3, 10);
    ck_assert_ptr_nonnull(items);
    ck_assert_uint_eq(freelist_capacity(&fl), 6);
    ck_assert(items[2] == 2.385 * 3 && items[5] == 0.0);
    for (uint32_t i = 3; i < 6; i++)
        ck_assert_uint_eq(freelist_take(&fl), i);
    items = freelist_grow(&fl, items, sizeof *items, 3, 10);
    ck_assert_uint_eq(freelist_capacity(&fl), 10);   /* 12 capped at max */
    for (uint32_t i = 6; i < 10; i++)
        ck_assert_uint_eq(freelist_take(&fl), i);
    ck_assert(freelist_empty(&fl));
    ck_assert_ptr_null(freelist_grow(&fl, items, sizeof *items, 3, 10));
    ck_assert_uint_eq(freelist_capacity(&fl), 10);
    ck_assert(items[0] == 2.385);
    free(items);
    freelist_free(&fl);
    ck_assert_uint_eq(freelist_capacity(&fl), 0);
}
END_TEST

/* ---- csv -------------------------------------------------------------------- */

/* The dialect, field by field: commas end fields, spaces, tabs and one pair of quotes
 * around a field go, columns count from 1 where each field starts, an empty line is one
 * empty field. */
START_TEST(test_csv_split_fields_and_columns)
{
    csv_fields fl = { 0 };
    char line[] = "a, \"b c\" ,\t2.385,,\"\",\"x";
    ck_assert_int_eq(csv_split(line, &fl), 0);
    const char *want[] = { "a", "b c", "2.385", "", "", "\"x" };
    const size_t col[] = { 1, 3, 11, 18, 19, 22 };   /* where the raw field starts */
    ck_assert_uint_eq(fl.n, 6);
    for (size_t i = 0; i < 6; i++) {
        ck_assert_str_eq(fl.field[i], want[i]);
        ck_assert_uint_eq(fl.col[i], col[i]);
    }
    char many[200] = "";
    for (int i = 0; i < 40; i++)
        strcat(many, i ? ",7" : "7");       /* more fields than the first allocation */
    ck_assert_int_eq(csv_split(many, &fl), 0);
    ck_assert_uint_eq(fl.n, 40);
    ck_assert_str_eq(fl.field[39], "7");
    char empty[] = "";
    ck_assert_int_eq(csv_split(empty, &fl), 0);
    ck_assert_uint_eq(fl.n, 1);
    ck_assert_str_eq(fl.field[0], "");
    ck_assert(csv_blank(" \t") && csv_blank("") && !csv_blank(" x"));
    csv_fields_free(&fl);
}
END_TEST

/* Lines come without their ends (\n, \r\n), a byte-order mark only at the file's start is
 * dropped while offsets still count it, and seeking back to a line's offset reads it again. */
START_TEST(test_csv_reader_lines_offsets_and_seek)
{
    char text[] = "\xef\xbb\xbfh1,h2\r\n1,2\n\n\xef\xbb\xbf" "3,4";
    FILE *f = fmemopen(text, sizeof text - 1, "r");
    ck_assert_ptr_nonnull(f);
    csv_reader r = { .f = f };
    ck_assert_int_eq(csv_reader_next(&r), 1);
    ck_assert_str_eq(r.buf, "h1,h2");
    ck_assert(r.offset == 0 && r.next == 10 && r.line == 1);
    ck_assert_int_eq(csv_reader_next(&r), 1);
    ck_assert_str_eq(r.buf, "1,2");
    ck_assert(r.offset == 10 && r.len == 3);
    ck_assert_int_eq(csv_reader_next(&r), 1);
    ck_assert_str_eq(r.buf, "");
    ck_assert_int_eq(csv_reader_next(&r), 1);       /* a mark past the start is data */
    ck_assert_str_eq(r.buf, "\xef\xbb\xbf" "3,4");
    ck_assert(r.offset == 15 && r.line == 4);
    ck_assert_int_eq(csv_reader_next(&r), 0);
    ck_assert_int_eq(csv_reader_seek(&r, 10), 0);
    ck_assert_int_eq(csv_reader_next(&r), 1);
    ck_assert_str_eq(r.buf, "1,2");
    ck_assert(r.offset == 10 && r.line == 1);
    csv_reader_close(&r);
    ck_assert_ptr_null(r.f);
    ck_assert_ptr_null(r.buf);
}
END_TEST

/* ---- strmap: against a brute-force list ------------------------------------------- */

/* Keys with forced collisions (hash mod 7: every probe run is long) and true duplicates:
 * for every key, the indices strmap_next yields are exactly those a linear search of the
 * added (hash, index) pairs finds, across the table's growth. */
START_TEST(test_strmap_matches_brute_force_reference)
{
    enum { N = 5000 };
    static uint64_t hash[N];
    strmap m = { 0 };
    for (uint32_t i = 0; i < N; i++) {
        char key[32];
        snprintf(key, sizeof key, "k%u", i % 3001);   /* some keys twice */
        hash[i] = strmap_hash(key) % 7 == 0 ? 7 : strmap_hash(key);
        ck_assert_int_eq(strmap_add(&m, hash[i], i), 0);
        if (i % 499 != 0 && i != N - 1)
            continue;
        for (uint32_t q = 0; q <= i; q += 13) {
            size_t want = 0, got = 0, pos = 0;
            for (uint32_t j = 0; j <= i; j++)
                want += hash[j] == hash[q];
            for (int64_t k; (k = strmap_next(&m, hash[q], &pos)) >= 0; got++) {
                ck_assert_int_le(k, i);
                ck_assert_uint_eq(hash[k], hash[q]);
            }
            ck_assert_uint_eq(got, want);
        }
    }
    size_t pos = 0;
    ck_assert_int_eq(strmap_next(&m, 12345, &pos), -1);
    ck_assert_uint_eq(m.n, N);
    ck_assert_uint_ge(m.cap, 2 * (size_t)N);
    strmap_free(&m);
    pos = 0;
    ck_assert_int_eq(strmap_next(&m, hash[0], &pos), -1);
    /* FNV-1a's published test value: the empty string hashes to the offset basis. */
    ck_assert_uint_eq(strmap_hash(""), 0xcbf29ce484222325ULL);
    ck_assert_uint_eq(strmap_hash("a"), 0xaf63dc4c8601ec8cULL);
}
END_TEST

Suite *blocks_suite(void)
{
    Suite *s = suite_create("blocks");
    TCase *tc = tcase_create("heap, strmap, freelist, csv");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_heap_matches_brute_force_reference);
    tcase_add_test(tc, test_strmap_matches_brute_force_reference);
    tcase_add_test(tc, test_freelist_order_growth_and_cap);
    tcase_add_test(tc, test_csv_split_fields_and_columns);
    tcase_add_test(tc, test_csv_reader_lines_offsets_and_seek);
    suite_add_tcase(s, tc);
    return s;
}
