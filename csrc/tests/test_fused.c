/*
 * test_fused.c - nvx_xor_mask_utf8_validate must equal nvx_xor_mask
 * followed by nvx_utf8_validate: same bytes, same next key offset, same
 * result tuple and same validator state; over valid and corrupted text,
 * messages split at random points, blocks boundaries included, with every
 * supported kernel selected.
 */
#include "nvx_internal.h"
#include "nvx_test.h"

/* Random valid UTF-8 of exactly n bytes, weighted towards multi-byte. */
static void gen_utf8(uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t left = n - i;
        unsigned kind = (unsigned)(nvx_test_rand() % 4);
        uint32_t cp;
        if (kind == 3 && left >= 4)
            cp = 0x10000 + (uint32_t)(nvx_test_rand() % 0x100000);
        else if (kind >= 2 && left >= 3) {
            do
                cp = 0x800 + (uint32_t)(nvx_test_rand() % 0xF800);
            while (cp >= 0xD800 && cp <= 0xDFFF);
        } else if (kind >= 1 && left >= 2)
            cp = 0x80 + (uint32_t)(nvx_test_rand() % 0x780);
        else
            cp = (uint32_t)(nvx_test_rand() % 0x80);
        if (cp < 0x80) {
            p[i++] = (uint8_t)cp;
        } else if (cp < 0x800) {
            p[i++] = (uint8_t)(0xC0 | cp >> 6);
            p[i++] = (uint8_t)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            p[i++] = (uint8_t)(0xE0 | cp >> 12);
            p[i++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            p[i++] = (uint8_t)(0x80 | (cp & 0x3F));
        } else {
            p[i++] = (uint8_t)(0xF0 | cp >> 18);
            p[i++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
            p[i++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
            p[i++] = (uint8_t)(0x80 | (cp & 0x3F));
        }
    }
}

static const uint8_t bad_bytes[] = {0xFF, 0xC0, 0xC1, 0xF5, 0x80, 0xBF, 0xED, 0xE0, 0xF4};

/* Damage the text at a random place (or near the 4 and 8 KiB edges). */
static void corrupt(uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    size_t at;
    unsigned where = (unsigned)(nvx_test_rand() % 3);
    if (where == 0 && n > 8200)
        at = ((nvx_test_rand() & 1) ? 4093 : 8189) + (size_t)(nvx_test_rand() % 6);
    else
        at = (size_t)(nvx_test_rand() % n);
    p[at] = bad_bytes[nvx_test_rand() % sizeof bad_bytes];
}

static int same_result(const nvx_utf8_result *a, const nvx_utf8_result *b)
{
    return a->valid == b->valid && a->ends_on_codepoint == b->ends_on_codepoint &&
           a->current_index == b->current_index && a->total_index == b->total_index;
}

static int same_state(const nvx_utf8_validator *a, const nvx_utf8_validator *b)
{
    return a->state == b->state && a->pending == b->pending && a->total == b->total;
}

/* Masks plain text with key/pos, then feeds it in random pieces to both the
 * fused call and mask-then-validate, comparing after every piece. */
static void compare(const uint8_t *plain, size_t n, int pieces, const char *what)
{
    uint8_t *a = malloc(n + 1), *b = malloc(n + 1);
    if (!CHECK(a && b, "out of memory")) {
        free(a);
        free(b);
        return;
    }
    uint8_t key[4];
    nvx_test_fill(key, 4);
    size_t pos0 = (size_t)(nvx_test_rand() % 4);
    memcpy(a, plain, n);
    nvx_xor_mask(a, n, key, pos0); /* the masked frame payload */
    memcpy(b, a, n);

    nvx_utf8_validator va, vb;
    nvx_utf8_reset(&va);
    nvx_utf8_reset(&vb);
    size_t pa = pos0, pb = pos0, off = 0;
    for (int piece = 0; piece < pieces || off < n; piece++) {
        size_t len = n - off;
        if (piece < pieces - 1 && len > 0)
            len = (size_t)(nvx_test_rand() % (len + 1));
        nvx_utf8_result ra, rb;
        memset(&ra, 0xA5, sizeof ra);
        memset(&rb, 0x5A, sizeof rb);
        pa = nvx_xor_mask_utf8_validate(a + off, len, key, pa, &va, &ra);
        pb = nvx_xor_mask(b + off, len, key, pb);
        nvx_utf8_validate(&vb, b + off, len, &rb);
        if (!CHECK(pa == pb, "%s n=%zu off=%zu len=%zu: key offset %zu vs %zu", what, n, off,
                   len, pa, pb) ||
            !CHECK(same_result(&ra, &rb),
                   "%s n=%zu off=%zu len=%zu: fused (%d,%d,%zu,%llu) vs (%d,%d,%zu,%llu)", what,
                   n, off, len, ra.valid, ra.ends_on_codepoint, ra.current_index,
                   (unsigned long long)ra.total_index, rb.valid, rb.ends_on_codepoint,
                   rb.current_index, (unsigned long long)rb.total_index) ||
            !CHECK(same_state(&va, &vb), "%s n=%zu off=%zu: validator state differs", what, n,
                   off))
            break;
        off += len;
        if (off == n)
            break;
    }
    CHECK(memcmp(a, b, n) == 0, "%s n=%zu: unmasked bytes differ", what, n);
    CHECK(memcmp(a, plain, n) == 0, "%s n=%zu: not fully unmasked", what, n);
    free(a);
    free(b);
}

/* Results that do not depend on comparing two code paths. */
static void known_answers(void)
{
    const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    struct {
        const char *text;
        size_t len;
        int valid, ends;
        size_t index;
    } cases[] = {
        {"", 0, 1, 1, 0},
        {"hello", 5, 1, 1, 5},
        {"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", 11, 1, 1, 11},
        {"abc\xe2\x82", 5, 1, 0, 5},
        {"abc\xff" "def", 7, 0, 0, 3},
        {"\xed\xa0\x80", 3, 0, 0, 1}, /* surrogate */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t buf[16];
        memcpy(buf, cases[i].text, cases[i].len);
        nvx_xor_mask(buf, cases[i].len, key, 3);
        nvx_utf8_validator v;
        nvx_utf8_reset(&v);
        nvx_utf8_result r;
        size_t next = nvx_xor_mask_utf8_validate(buf, cases[i].len, key, 3, &v, &r);
        CHECK(next == (3 + cases[i].len) % 4, "case %zu: offset", i);
        CHECK(memcmp(buf, cases[i].text, cases[i].len) == 0, "case %zu: unmask", i);
        CHECK(r.valid == cases[i].valid && r.ends_on_codepoint == cases[i].ends &&
                  r.current_index == cases[i].index && r.total_index == cases[i].index,
              "case %zu: got (%d,%d,%zu,%llu)", i, r.valid, r.ends_on_codepoint,
              r.current_index, (unsigned long long)r.total_index);
    }
}

int main(void)
{
    int quick = nvx_test_quick();
    const size_t sizes[] = {0, 1, 3, 15, 16, 63, 64, 255, 4095, 4096, 4097, 8191, 8192, 12289,
                            65536 + 5, 300000};
    size_t n_sizes = sizeof sizes / sizeof sizes[0];
    int rounds = quick ? 2 : 6;
    uint8_t *plain = malloc(300000);
    if (!plain)
        return 1;
    for (int k = 0; k < NVX_KERNEL_COUNT; k++) {
        if (!nvx_kernel_supported((nvx_kernel)k))
            continue;
        CHECK(nvx_select((nvx_kernel)k) == 0, "select");
        printf("kernel %s\n", nvx_kernel_name((nvx_kernel)k));
        known_answers();
        for (size_t s = 0; s < n_sizes && !NVX_TEST_GIVE_UP(); s++) {
            size_t n = sizes[s];
            for (int round = 0; round < rounds; round++) {
                gen_utf8(plain, n);
                compare(plain, n, 1, "valid, one call");
                compare(plain, n, 1 + round * 3, "valid, split");
                corrupt(plain, n);
                compare(plain, n, 1, "corrupt, one call");
                compare(plain, n, 1 + round * 3, "corrupt, split");
                /* Truncated in the middle of a code point. */
                gen_utf8(plain, n);
                if (n >= 4)
                    plain[n - 1] = 0xE2;
                compare(plain, n, 2, "truncated");
            }
        }
    }
    free(plain);
    return nvx_test_done("test_fused");
}
