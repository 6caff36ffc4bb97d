/*
 * test_utf8.c - the UTF-8 validator against an independent reference.
 *
 *  1. exhaustive: every sequence of 1, 2 and 3 bytes; 4-byte sequences with
 *     every first byte and the later bytes drawn from a set of class
 *     boundaries (test_utf8_exhaustive4.c runs all 2^32 of them); also
 *     embedded in ASCII across vector block boundaries and run through
 *     every vector kernel;
 *  2. random text (1-4 byte code points, random corruptions, truncation)
 *     fed in random pieces: every piece's result must equal what one call
 *     over the concatenation implies, exact indexes included;
 *  3. every kernel this CPU has, forced one by one (the public nvx_select
 *     families and each internal implementation), on lengths 0..600 and a
 *     few large ones at buffer offsets 0..63;
 *  4. one byte per call.
 *
 * NVX_TEST_QUICK=1 (sanitizer / qemu runs) trims the loop counts: the
 * exhaustive 3-byte pass still runs in full, but only one-shot, and the
 * random passes do fewer rounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvx.h"
#include "utf8_lookup.h"
#include "utf8_ref.h"

static int t_fail;
static long t_checks;

#define T_MAX_FAIL 20

static void t_hex(const uint8_t *p, size_t n)
{
    size_t i;
    size_t lim = n > 80 ? 80 : n;
    for (i = 0; i < lim; i++)
        fprintf(stderr, "%02X", p[i]);
    if (lim < n)
        fprintf(stderr, "...(%zu bytes)", n);
    fputc('\n', stderr);
}

static int t_quick(void)
{
    const char *q = getenv("NVX_TEST_QUICK");
    return q != NULL && q[0] != '\0' && strcmp(q, "0") != 0;
}

/* xorshift64*, fixed seed: failures reproduce. */
static uint64_t t_rng = 0x2545F4914F6CDD1DULL;
static uint32_t t_rand(void)
{
    t_rng ^= t_rng >> 12;
    t_rng ^= t_rng << 25;
    t_rng ^= t_rng >> 27;
    return (uint32_t)((t_rng * 0x2545F4914F6CDD1DULL) >> 32);
}
static uint32_t t_below(uint32_t n) { return n ? t_rand() % n : 0; }

/* ------------------------------------------------------------ reference */

/* ref_scan and friends: utf8_ref.h (shared with test_utf8_exhaustive4.c). */

/* --------------------------------------------------------------- checks */

static int t_report(const char *what, const uint8_t *p, size_t n, const char *detail)
{
    t_fail++;
    if (t_fail <= T_MAX_FAIL) {
        fprintf(stderr, "FAIL %s [impl %s]: %s\n  input: ", what,
                nvx__utf8_impl_name(nvx__utf8_impl_current()), detail);
        t_hex(p, n);
    }
    return 0;
}

/* One call over p[0..n) must match the reference; later calls must stick. */
static int t_one_shot(const char *what, const uint8_t *p, size_t n)
{
    nvx_utf8_validator v;
    nvx_utf8_result r;
    size_t err;
    int complete;
    int ok = ref_scan(p, n, &err, &complete);
    char msg[200];

    t_checks++;
    nvx_utf8_reset(&v);
    nvx_utf8_validate(&v, p, n, &r);
    if (r.valid != ok || r.ends_on_codepoint != (ok && complete) ||
        r.current_index != err || r.total_index != (uint64_t)err) {
        snprintf(msg, sizeof msg,
                 "got valid=%d ends=%d cur=%zu total=%llu, want valid=%d ends=%d cur=%zu", r.valid,
                 r.ends_on_codepoint, r.current_index, (unsigned long long)r.total_index, ok,
                 ok && complete, err);
        return t_report(what, p, n, msg);
    }
    if (nvx_utf8_valid(p, n) != (ok && complete))
        return t_report(what, p, n, "nvx_utf8_valid disagrees");
    if (!ok) {
        /* Sticky: a later call, even empty, reports the same position. */
        nvx_utf8_validate(&v, p, n, &r);
        if (r.valid || r.ends_on_codepoint || r.current_index != 0 || r.total_index != err)
            return t_report(what, p, n, "not sticky after invalid");
        nvx_utf8_validate(&v, p, 0, &r);
        if (r.valid || r.ends_on_codepoint || r.current_index != 0 || r.total_index != err)
            return t_report(what, p, n, "not sticky after invalid (len 0)");
    }
    return 1;
}

/* Bytes of the code point left open at the end of the valid prefix
 * p[0..n): 0 when it ends on a code point, else back to its lead byte. */
static uint32_t t_open_bytes(const uint8_t *p, size_t n)
{
    size_t err, k = 0;
    int complete;
    ref_scan(p, n, &err, &complete);
    if (complete)
        return 0;
    while ((p[n - 1 - k] & 0xC0) == 0x80)
        k++;
    return (uint32_t)(k + 1);
}

/* p[0..n) fed in pieces ending at cuts[0] < cuts[1] < ... < cuts[k-1] = n.
 * Each piece's result follows from the reference on the whole input. */
static int t_pieces(const char *what, const uint8_t *p, size_t n, const size_t *cuts, size_t k)
{
    nvx_utf8_validator v;
    nvx_utf8_result r;
    size_t err, e2, start = 0, i;
    int complete, c2;
    int ok = ref_scan(p, n, &err, &complete);
    char msg[240];

    t_checks++;
    nvx_utf8_reset(&v);
    for (i = 0; i < k; i++) {
        size_t end = cuts[i];
        size_t len = end - start;
        int wv, we;
        size_t wc;
        uint64_t wt;
        nvx_utf8_validate(&v, p + start, len, &r);
        if (!ok && err < start) { /* failed in an earlier piece */
            wv = 0, we = 0, wc = 0, wt = err;
        } else if (!ok && err < end) { /* fails in this piece */
            wv = 0, we = 0, wc = err - start, wt = err;
        } else {
            ref_scan(p, end, &e2, &c2);
            wv = 1, we = c2, wc = len, wt = end;
        }
        if (r.valid != wv || r.ends_on_codepoint != we || r.current_index != wc ||
            r.total_index != wt) {
            snprintf(msg, sizeof msg,
                     "piece %zu [%zu,%zu): got valid=%d ends=%d cur=%zu total=%llu, want %d %d "
                     "%zu %llu",
                     i, start, end, r.valid, r.ends_on_codepoint, r.current_index,
                     (unsigned long long)r.total_index, wv, we, wc, (unsigned long long)wt);
            return t_report(what, p, n, msg);
        }
        if (wv && v.pending != t_open_bytes(p, end)) {
            snprintf(msg, sizeof msg, "piece %zu [%zu,%zu): pending=%u, want %u", i, start, end,
                     (unsigned)v.pending, (unsigned)t_open_bytes(p, end));
            return t_report(what, p, n, msg);
        }
        start = end;
    }
    return 1;
}

static int t_bytewise(const char *what, const uint8_t *p, size_t n)
{
    size_t cuts[4096];
    size_t i;
    if (n > sizeof cuts / sizeof cuts[0])
        n = sizeof cuts / sizeof cuts[0];
    for (i = 0; i < n; i++)
        cuts[i] = i + 1;
    return t_pieces(what, p, n, cuts, n);
}

static int t_random_pieces(const char *what, const uint8_t *p, size_t n)
{
    size_t cuts[64];
    size_t k = 0, at = 0;
    while (at < n && k < 63) {
        size_t step;
        switch (t_below(4)) {
        case 0: step = 1 + t_below(3); break;
        case 1: step = 1 + t_below(16); break;
        case 2: step = 1 + t_below(200); break;
        default: step = 1 + t_below((uint32_t)n); break;
        }
        at = at + step > n ? n : at + step;
        cuts[k++] = at;
    }
    if (k == 0 || cuts[k - 1] != n)
        cuts[k++] = n;
    return t_pieces(what, p, n, cuts, k);
}

/* ------------------------------------------------------------ generators */

static size_t t_encode(uint32_t c, uint8_t *o)
{
    if (c < 0x80) {
        o[0] = (uint8_t)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (uint8_t)(0xC0 | (c >> 6));
        o[1] = (uint8_t)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (uint8_t)(0xE0 | (c >> 12));
        o[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | (c >> 18));
    o[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (c & 0x3F));
    return 4;
}

enum { G_ASCII, G_LATIN, G_CJK, G_MIXED, G_EMOJI, G_NMODES };

static uint32_t t_codepoint(int mode)
{
    static const uint32_t edges[] = {0x0,    0x7F,   0x80,    0x7FF,   0x800,   0xFFF,
                                     0x1000, 0xD7FF, 0xE000,  0xFFFD,  0xFFFF,  0x10000,
                                     0x3FFFF, 0x40000, 0xFFFFF, 0x100000, 0x10FFFF};
    uint32_t c;
    switch (mode) {
    case G_ASCII:
        return t_below(200) == 0 ? 0xE9 : 0x20 + t_below(95);
    case G_LATIN:
        return t_below(4) == 0 ? 0x80 + t_below(0x780) : 0x20 + t_below(95);
    case G_CJK:
        return t_below(10) == 0 ? 0x20 + t_below(95) : 0x4E00 + t_below(0x5200);
    case G_EMOJI:
        return t_below(3) == 0 ? 0x20 + t_below(95) : 0x1F300 + t_below(0x300);
    default:
        switch (t_below(5)) {
        case 0: return t_below(0x80);
        case 1: return 0x80 + t_below(0x780);
        case 2:
            c = 0x800 + t_below(0xF800);
            return (c >= 0xD800 && c <= 0xDFFF) ? c - 0x800 : c;
        case 3: return 0x10000 + t_below(0x100000);
        default: return edges[t_below(sizeof edges / sizeof edges[0])];
        }
    }
}

/* n bytes of text: valid code points, the last one possibly cut short. */
static void t_text(uint8_t *o, size_t n, int mode)
{
    size_t i = 0;
    uint8_t tmp[4];
    while (i < n) {
        size_t k = t_encode(t_codepoint(mode), tmp);
        size_t j;
        for (j = 0; j < k && i < n; j++)
            o[i++] = tmp[j];
    }
}

static void t_corrupt(uint8_t *o, size_t n)
{
    static const uint8_t bad[] = {0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                  0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xF8, 0xFF, 0x00, 0x41};
    size_t at;
    if (n == 0)
        return;
    if (t_below(3) == 0 && n > 64) /* near a vector block edge */
        at = (size_t)(64 * (1 + t_below((uint32_t)(n / 64)))) - 3 + t_below(6);
    else
        at = t_below((uint32_t)n);
    if (at >= n)
        at = n - 1;
    o[at] = t_below(2) ? bad[t_below(sizeof bad)] : (uint8_t)t_rand();
}

/* ------------------------------------------------------------ the passes */

static void t_cases(void)
{
    static const struct {
        const char *s;
        int valid, ends;
        size_t idx;
    } cases[] = {
        {"", 1, 1, 0},
        {"A", 1, 1, 1},
        {"\xC3\xA9", 1, 1, 2},
        {"\xC3", 1, 0, 1},
        {"\xC3" "A", 0, 0, 1},
        {"\xE0\x80", 0, 0, 1},
        {"\xE0\xA0", 1, 0, 2},
        {"\xF5", 0, 0, 0},
        {"\xED\xA0", 0, 0, 1},
        {"\xED\x9F\xBF", 1, 1, 3},
        {"\xC0", 0, 0, 0},
        {"\xC1\xBF", 0, 0, 0},
        {"\xF4\x8F\xBF\xBF", 1, 1, 4},
        {"\xF4\x90", 0, 0, 1},
        {"\xF0\x8F", 0, 0, 1},
        {"\xF0\x90\x80", 1, 0, 3},
        {"\x80", 0, 0, 0},
        {"\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", 1, 1, 11},
        {"\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80" "edited", 0, 0, 12},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nvx_utf8_validator v;
        nvx_utf8_result r;
        size_t n = strlen(cases[i].s);
        nvx_utf8_reset(&v);
        nvx_utf8_validate(&v, (const uint8_t *)cases[i].s, n, &r);
        t_checks++;
        if (r.valid != cases[i].valid || r.ends_on_codepoint != cases[i].ends ||
            r.current_index != cases[i].idx || r.total_index != cases[i].idx)
            t_report("table case", (const uint8_t *)cases[i].s, n, "unexpected result");
        t_one_shot("table case (reference)", (const uint8_t *)cases[i].s, n);
    }
}

/* Later bytes of the 4-byte pass: both ends of every byte class that any
 * state of a UTF-8 decoder tells apart (ASCII, the three continuation
 * ranges 80-8F / 90-9F / A0-BF, the bad leads C0-C1 and F5-FF, 2-byte
 * leads, E0, ED, other 3-byte leads, F0, F1-F3, F4). Two bytes of one class
 * behave the same in every position, so this covers every class sequence. */
static const uint8_t t_reps[] = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
                                 0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5,
                                 0xFF};
#define T_NREPS (sizeof t_reps / sizeof t_reps[0])

static void t_exhaustive(int quick)
{
    uint8_t b[4];
    uint32_t x;
    size_t i, j, k;

    for (x = 0; x < 256; x++) {
        b[0] = (uint8_t)x;
        t_one_shot("exhaustive 1", b, 1);
    }
    for (x = 0; x < 65536 && t_fail < T_MAX_FAIL; x++) {
        b[0] = (uint8_t)(x >> 8), b[1] = (uint8_t)x;
        t_one_shot("exhaustive 2", b, 2);
        t_bytewise("exhaustive 2 bytewise", b, 2);
    }
    for (x = 0; x < (1u << 24) && t_fail < T_MAX_FAIL; x++) {
        b[0] = (uint8_t)(x >> 16), b[1] = (uint8_t)(x >> 8), b[2] = (uint8_t)x;
        t_one_shot("exhaustive 3", b, 3);
        if (!quick || (x & 63) == 0) {
            t_bytewise("exhaustive 3 bytewise", b, 3);
            if (((x * 2654435761u) >> 28) == 0) {
                size_t cuts[2] = {1 + (x & 1), 3};
                t_pieces("exhaustive 3 split", b, 3, cuts, 2);
            }
        }
    }
    for (x = 0; x < 256 && t_fail < T_MAX_FAIL; x++)
        for (i = 0; i < T_NREPS; i++)
            for (j = 0; j < T_NREPS; j++)
                for (k = 0; k < T_NREPS; k++) {
                    b[0] = (uint8_t)x, b[1] = t_reps[i], b[2] = t_reps[j], b[3] = t_reps[k];
                    t_one_shot("exhaustive 4", b, 4);
                    if (!quick || (k == 0))
                        t_bytewise("exhaustive 4 bytewise", b, 4);
                }
}

/* Short sequences inside ASCII, straddling vector block boundaries (16,
 * 32, 64 bytes) and at the very end, through the current kernel. */
static void t_embedded(const char *what, int quick)
{
    static const size_t at[] = {61, 62, 29, 66}; /* 66: ends the buffer */
    uint8_t buf[80];
    uint32_t x;
    size_t i, j, k, a;

    for (a = 0; a < sizeof at / sizeof at[0]; a++) {
        size_t n = at[a] == 66 ? 70 : 80;
        size_t off = at[a] == 66 ? 66 : at[a];
        memset(buf, 'a', sizeof buf);
        for (x = 0; x < 65536 && t_fail < T_MAX_FAIL; x++) {
            buf[off] = (uint8_t)(x >> 8), buf[off + 1] = (uint8_t)x;
            t_one_shot(what, buf, off == 66 ? 68 : n);
        }
        for (x = 0; x < 256 && t_fail < T_MAX_FAIL; x++)
            for (i = 0; i < T_NREPS; i++)
                for (j = 0; j < T_NREPS; j++)
                    for (k = 0; k < T_NREPS; k++) {
                        if (quick && ((x + i + j + k) & 7) != 0)
                            continue;
                        buf[off] = (uint8_t)x, buf[off + 1] = t_reps[i];
                        buf[off + 2] = t_reps[j], buf[off + 3] = t_reps[k];
                        t_one_shot(what, buf, n);
                    }
        memset(buf, 'a', sizeof buf);
    }
}

static uint8_t t_big[(1u << 20) + 256];

/* Lengths 0..600 at every offset 0..63 (cycled), all text modes, valid and
 * corrupted, one-shot and in random pieces; then a few large inputs. */
static void t_kernel_random(const char *what, int quick)
{
    size_t len, round;
    int mode;
    size_t rounds = quick ? 1 : 3;

    for (round = 0; round < rounds; round++)
        for (len = 0; len <= 600 && t_fail < T_MAX_FAIL; len++)
            for (mode = 0; mode < G_NMODES; mode++) {
                size_t off = (len * 7 + (size_t)mode * 13 + round * 29) & 63;
                uint8_t *p = t_big + off;
                t_text(p, len, mode);
                t_one_shot(what, p, len);
                if (len > 0) {
                    t_corrupt(p, len);
                    t_one_shot(what, p, len);
                    t_random_pieces(what, p, len);
                }
            }
    {
        static const size_t bigs[] = {4096, 65536, 65536 + 61, (1u << 20) + 3};
        size_t b;
        for (b = 0; b < sizeof bigs / sizeof bigs[0]; b++)
            for (mode = 0; mode < G_NMODES; mode++) {
                size_t n = bigs[b];
                uint8_t *p = t_big + (b * 17 & 63);
                if (quick && n > 70000)
                    continue;
                t_text(p, n, mode);
                t_one_shot(what, p, n);
                t_random_pieces(what, p, n);
                p[n - 1 - t_below(200)] = 0xC0; /* an error near the end */
                t_one_shot(what, p, n);
                t_corrupt(p, n);
                t_one_shot(what, p, n);
            }
    }
}

static void t_split_random(int quick)
{
    size_t iters = quick ? 3000 : 30000;
    size_t it;
    for (it = 0; it < iters && t_fail < T_MAX_FAIL; it++) {
        size_t n = t_below(t_below(8) == 0 ? 2000 : 200);
        uint8_t *p = t_big + (it & 63);
        t_text(p, n, (int)t_below(G_NMODES));
        if (t_below(2))
            t_corrupt(p, n);
        t_random_pieces("random pieces", p, n);
        if ((it & 7) == 0)
            t_bytewise("random bytewise", p, n);
    }
}

int main(void)
{
    int quick = t_quick();
    int impl, k, n_impl = 0, n_fam = 0;

    nvx_init();
    t_cases();
    t_exhaustive(quick);
    t_split_random(quick);

    /* Every internal implementation this CPU can run (the AVX-512 kernel
     * included when the AVX512 family is routed to AVX2). */
    for (impl = 0; impl < NVX_UTF8_IMPL_COUNT; impl++) {
        char what[64];
        if (nvx__utf8_impl_use(impl) != 0)
            continue;
        n_impl++;
        snprintf(what, sizeof what, "impl %s", nvx__utf8_impl_name(impl));
        t_cases();
        t_embedded(what, quick || impl == 0);
        t_kernel_random(what, quick);
        t_split_random(1);
    }
    /* Every public kernel family the CPU supports, through nvx_select. */
    for (k = 0; k < NVX_KERNEL_COUNT; k++) {
        char what[64];
        if (!nvx_kernel_supported((nvx_kernel)k))
            continue;
        if (nvx_select((nvx_kernel)k) != 0) {
            t_report("nvx_select", NULL, 0, "supported kernel refused");
            continue;
        }
        n_fam++;
        snprintf(what, sizeof what, "family %s", nvx_kernel_name((nvx_kernel)k));
        t_cases();
        t_kernel_random(what, 1);
    }
    nvx_init();

    if (t_fail) {
        fprintf(stderr, "test_utf8: %d failure(s) in %ld checks\n", t_fail, t_checks);
        return 1;
    }
    printf("test_utf8: ok: %ld checks, %d implementations, %d kernel families%s\n", t_checks,
           n_impl, n_fam, quick ? " (quick)" : "");
    return 0;
}
