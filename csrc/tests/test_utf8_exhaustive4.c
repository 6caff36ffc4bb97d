/*
 * test_utf8_exhaustive4.c - every 4-byte input, all 2^32 of them, through
 * the public UTF-8 API against the reference checker (utf8_ref.h).
 *
 * For each input p[0..4) one nvx_utf8_validate call from the start state
 * must give exactly the reference's (valid, ends_on_codepoint,
 * current_index, total_index) and pending byte count, and nvx_utf8_valid
 * must say valid && ends_on_codepoint. On a sampled 1/16 of the 3-byte
 * prefixes every input is also fed in two pieces (1+3, 2+2 or 3+1, by
 * prefix), continuing from a copy of the validator that took the first
 * piece, and the second piece's result must match what the whole input
 * implies. Finally the number of inputs the library called complete and
 * valid must equal the count of 4-byte strings of code points, worked out
 * from the sizes of the four encoding ranges.
 *
 * Kernel: the one nvx_init selects by default. Inputs this short never
 * reach a vector kernel (the driver in utf8.c sends fewer than 64 bytes
 * to the scalar DFA in every kernel), so this pass tests the DFA and the
 * driver's edges; test_utf8.c drives the vector kernels themselves.
 *
 * Speed: the reference is kept incrementally (its state after 3 bytes,
 * then only the 4th byte varies), validators start zero-initialised (the
 * documented start state) and the split pieces continue from validator
 * copies, so the cost is about two short library calls per input. About
 * 1.5 minutes of CPU at -O2 on the project machine, hence its own ctest
 * entry (CMakeLists.txt gives it a long TIMEOUT).
 *
 * NVX_TEST_QUICK=1 (sanitizer and qemu runs): only the prefixes F0..F4 +
 * two continuation bytes, and a hashed 1/1024 of the other 3-byte
 * prefixes, each with all 256 last bytes and a split; test_utf8.c keeps its
 * class-based 4-byte pass for those runs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nvx.h"
#include "nvx_test.h"
#include "utf8_lookup.h"
#include "utf8_ref.h"

static uint64_t x4_inputs, x4_split_inputs, x4_complete;

static void x4_report(const char *what, const uint8_t *p, size_t n, const nvx_utf8_result *r,
                      int wv, int we, size_t wc, uint64_t wt)
{
    size_t i;
    nvx_test_failures++;
    if (nvx_test_failures > NVX_TEST_MAX_FAILURES)
        return;
    fprintf(stderr, "FAIL %s [impl %s] input ", what,
            nvx__utf8_impl_name(nvx__utf8_impl_current()));
    for (i = 0; i < n; i++)
        fprintf(stderr, "%02X", p[i]);
    if (r != NULL)
        fprintf(stderr,
                ": got valid=%d ends=%d cur=%zu total=%llu, want valid=%d ends=%d cur=%zu "
                "total=%llu",
                r->valid, r->ends_on_codepoint, r->current_index,
                (unsigned long long)r->total_index, wv, we, wc, (unsigned long long)wt);
    fputc('\n', stderr);
}

/* r (from a validator fresh at the start of p[0..n), now holding v) must be
 * what the reference state s after p[0..n) implies. */
static void x4_check_prefix(const char *what, const uint8_t *p, size_t n,
                            const nvx_utf8_validator *v, const nvx_utf8_result *r,
                            const ref_state *s)
{
    int wv = s->ok, we = s->ok && s->need == 0;
    size_t wc = s->ok ? n : s->err;
    if (r->valid != wv || r->ends_on_codepoint != we || r->current_index != wc ||
        r->total_index != (uint64_t)wc)
        x4_report(what, p, n, r, wv, we, wc, wc);
    else if (wv && v->pending != ref_open_bytes(s))
        x4_report("pending bytes", p, n, NULL, 0, 0, 0, 0);
}

/* One call over the 4 bytes; s: the reference after all four. */
static inline void x4_one_shot(const uint8_t *p, const ref_state *s)
{
    nvx_utf8_validator v = {0, 0, 0}; /* zero: the start state */
    nvx_utf8_result r;
    int ends = s->ok && s->need == 0;

    nvx_utf8_validate(&v, p, 4, &r);
    if (r.valid != s->ok || r.ends_on_codepoint != ends ||
        r.current_index != (s->ok ? 4 : s->err) ||
        r.total_index != (uint64_t)(s->ok ? 4 : s->err) ||
        (s->ok && v.pending != ref_open_bytes(s)))
        x4_check_prefix("one-shot", p, 4, &v, &r, s);
    if (nvx_utf8_valid(p, 4) != ends)
        x4_report("nvx_utf8_valid", p, 4, NULL, 0, 0, 0, 0);
    x4_complete += (uint64_t)ends;
}

/* p[cut..4) fed to a copy of first, which took p[0..cut) (valid or not). */
static inline void x4_second_piece(const uint8_t *p, size_t cut, const nvx_utf8_validator *first,
                                   const ref_state *s)
{
    nvx_utf8_validator v = *first;
    nvx_utf8_result r;
    int wv, we;
    size_t wc;
    uint64_t wt;

    nvx_utf8_validate(&v, p + cut, 4 - cut, &r);
    if (!s->ok && s->err < cut) /* failed in the first piece */
        wv = 0, we = 0, wc = 0, wt = s->err;
    else if (!s->ok) /* fails in this piece */
        wv = 0, we = 0, wc = s->err - cut, wt = s->err;
    else
        wv = 1, we = s->need == 0, wc = 4 - cut, wt = 4;
    if (r.valid != wv || r.ends_on_codepoint != we || r.current_index != wc ||
        r.total_index != wt) {
        char what[32];
        snprintf(what, sizeof what, "split %zu+%zu, 2nd piece", cut, 4 - cut);
        x4_report(what, p, 4, &r, wv, we, wc, wt);
    } else if (wv && v.pending != ref_open_bytes(s)) {
        x4_report("split: pending bytes", p, 4, NULL, 0, 0, 0, 0);
    }
    x4_split_inputs++;
}

/* Which prefixes run at all, and which split their inputs (0: none, else
 * the length of the first piece). */
static int x4_run_prefix(uint32_t x, int quick)
{
    uint32_t b0 = x >> 16, b1 = (x >> 8) & 0xFF, b2 = x & 0xFF;
    if (!quick)
        return 1;
    if (b0 >= 0xF0 && b0 <= 0xF4 && (b1 & 0xC0) == 0x80 && (b2 & 0xC0) == 0x80)
        return 1;
    return ((x * 2654435761u) >> 22) == 0;
}
static size_t x4_split_cut(uint32_t x, int quick)
{
    if (!quick && ((x * 2654435761u) >> 28) != 0)
        return 0;
    return 1 + x % 3;
}

/* Complete, valid 4-byte strings: sequences of code points whose encoded
 * lengths add up to 4, from the number of scalar values of each length. */
static uint64_t x4_count_valid4(void)
{
    const uint64_t per_len[5] = {0, 0x80, 0x800 - 0x80, 0x10000 - 0x800 - 0x800 /* surrogates */,
                                 0x110000 - 0x10000};
    uint64_t w[5] = {1, 0, 0, 0, 0};
    int n, k;
    for (n = 1; n <= 4; n++)
        for (k = 1; k <= n; k++)
            w[n] += per_len[k] * w[n - k];
    return w[4];
}

int main(void)
{
    int quick = nvx_test_quick();
    uint8_t p[4];
    uint32_t b0, b1, b2, b3;
    clock_t t0;
    double secs;

    nvx_init();
    t0 = clock();
    for (b0 = 0; b0 < 256; b0++) {
        ref_state s0;
        nvx_utf8_validator v1 = {0, 0, 0};
        nvx_utf8_result r;
        p[0] = (uint8_t)b0;
        ref_init(&s0);
        ref_push(&s0, p[0], 0);
        nvx_utf8_validate(&v1, p, 1, &r);
        x4_check_prefix("first piece", p, 1, &v1, &r, &s0);
        for (b1 = 0; b1 < 256; b1++) {
            ref_state s1 = s0;
            nvx_utf8_validator v2 = {0, 0, 0};
            p[1] = (uint8_t)b1;
            ref_push(&s1, p[1], 1);
            nvx_utf8_validate(&v2, p, 2, &r);
            x4_check_prefix("first piece", p, 2, &v2, &r, &s1);
            for (b2 = 0; b2 < 256; b2++) {
                uint32_t x = b0 << 16 | b1 << 8 | b2;
                ref_state s2 = s1;
                nvx_utf8_validator v3 = {0, 0, 0};
                const nvx_utf8_validator *first = NULL;
                size_t cut;
                if (!x4_run_prefix(x, quick))
                    continue;
                p[2] = (uint8_t)b2;
                ref_push(&s2, p[2], 2);
                cut = x4_split_cut(x, quick);
                if (cut == 3) {
                    nvx_utf8_validate(&v3, p, 3, &r);
                    x4_check_prefix("first piece", p, 3, &v3, &r, &s2);
                }
                first = cut == 1 ? &v1 : cut == 2 ? &v2 : &v3;
                for (b3 = 0; b3 < 256; b3++) {
                    ref_state s3 = s2;
                    p[3] = (uint8_t)b3;
                    ref_push(&s3, p[3], 3);
                    x4_one_shot(p, &s3);
                    if (cut != 0)
                        x4_second_piece(p, cut, first, &s3);
                }
                x4_inputs += 256;
                if (nvx_test_failures > NVX_TEST_MAX_FAILURES)
                    goto done;
            }
        }
    }
done:
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    if (!quick && nvx_test_failures == 0 && x4_complete != x4_count_valid4()) {
        fprintf(stderr, "FAIL count: %llu complete valid inputs, want %llu\n",
                (unsigned long long)x4_complete, (unsigned long long)x4_count_valid4());
        nvx_test_failures++;
    }
    if (nvx_test_failures) {
        fprintf(stderr, "test_utf8_exhaustive4: %d failure(s) in %llu inputs\n", nvx_test_failures,
                (unsigned long long)x4_inputs);
        return 1;
    }
    printf("test_utf8_exhaustive4: ok: %llu 4-byte inputs%s (%llu complete and valid), "
           "%llu also split; kernel %s (impl %s; 4-byte inputs take the scalar DFA); "
           "%.1f s CPU, %.1f ns/input\n",
           (unsigned long long)x4_inputs, quick ? " (quick: sampled prefixes)" : ", all of them",
           (unsigned long long)x4_complete, (unsigned long long)x4_split_inputs,
           nvx_kernel_name(nvx_selected()), nvx__utf8_impl_name(nvx__utf8_impl_current()), secs,
           x4_inputs ? secs * 1e9 / (double)x4_inputs : 0.0);
    return 0;
}
