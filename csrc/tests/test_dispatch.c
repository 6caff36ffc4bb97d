/*
 * test_dispatch.c - detection, names, selection rules and concurrent
 * nvx_init.
 */
#define _POSIX_C_SOURCE 200809L
#include "nvx_internal.h"
#include "nvx_test.h"

#include <pthread.h>

static int init_thread_failed; /* its address marks a failed thread */

static void *init_thread(void *arg)
{
    (void)arg;
    nvx_init();
    /* Masking right after init must already use a real kernel. */
    uint8_t buf[64] = {0};
    const uint8_t key[4] = {1, 2, 3, 4};
    size_t next = nvx_xor_mask(buf, sizeof buf, key, 1);
    int ok = next == 1 && buf[0] == 2 && buf[63] == 1;
    return ok ? arg : (void *)&init_thread_failed;
}

int main(void)
{
    /* Several threads racing on first use. */
    pthread_t th[8];
    int started = 0;
    for (int i = 0; i < 8; i++)
        if (pthread_create(&th[i], NULL, init_thread, NULL) == 0)
            started++;
    CHECK(started == 8, "started %d threads", started);
    for (int i = 0; i < started; i++) {
        void *res = (void *)1;
        pthread_join(th[i], &res);
        CHECK(res == NULL, "thread %d: mask after init gave a wrong result", i);
    }

    nvx_kernel best = nvx_detect();
    CHECK(nvx_kernel_supported(best), "detected %s is not supported", nvx_kernel_name(best));
    CHECK(nvx_selected() == best, "default selection %s, detect %s",
          nvx_kernel_name(nvx_selected()), nvx_kernel_name(best));
    nvx_init(); /* idempotent: keeps the selection */
    CHECK(nvx_selected() == best, "after 2nd nvx_init");
    printf("detected: %s\n", nvx_kernel_name(best));

    /* Names. */
    const char *names[NVX_KERNEL_COUNT] = {"scalar", "sse2", "avx2", "avx512", "neon"};
    for (int k = 0; k < NVX_KERNEL_COUNT; k++)
        CHECK(strcmp(nvx_kernel_name((nvx_kernel)k), names[k]) == 0, "name of %d: %s", k,
              nvx_kernel_name((nvx_kernel)k));
    CHECK(strcmp(nvx_kernel_name(NVX_KERNEL_COUNT), "unknown") == 0, "name of COUNT");
    CHECK(strcmp(nvx_kernel_name((nvx_kernel)-1), "unknown") == 0, "name of -1");

    /* Support is consistent and detect picks the most capable. */
    CHECK(nvx_kernel_supported(NVX_KERNEL_SCALAR), "scalar must always be supported");
    CHECK(!nvx_kernel_supported(NVX_KERNEL_COUNT), "COUNT supported");
    CHECK(!nvx_kernel_supported((nvx_kernel)-1), "-1 supported");
#if NVX_X86
    CHECK(!nvx_kernel_supported(NVX_KERNEL_NEON), "NEON on x86");
    if (nvx_kernel_supported(NVX_KERNEL_AVX512))
        CHECK(nvx_kernel_supported(NVX_KERNEL_AVX2), "AVX-512 without AVX2");
    if (nvx_kernel_supported(NVX_KERNEL_AVX2))
        CHECK(nvx_kernel_supported(NVX_KERNEL_SSE2), "AVX2 without SSE2");
    for (int k = best + 1; k < NVX_KERNEL_NEON; k++)
        CHECK(!nvx_kernel_supported((nvx_kernel)k), "detect %s but %s supported",
              nvx_kernel_name(best), nvx_kernel_name((nvx_kernel)k));
#if defined(__x86_64__)
    CHECK(nvx_kernel_supported(NVX_KERNEL_SSE2), "SSE2 is baseline on x86-64");
#endif
#elif NVX_ARM_NEON
    CHECK(best == NVX_KERNEL_NEON, "NEON build detects %s", nvx_kernel_name(best));
    for (int k = NVX_KERNEL_SSE2; k <= NVX_KERNEL_AVX512; k++)
        CHECK(!nvx_kernel_supported((nvx_kernel)k), "%s on ARM", nvx_kernel_name((nvx_kernel)k));
#endif

    /* Selecting something unsupported fails and leaves the selection. */
    nvx_kernel unsupported[] = {NVX_KERNEL_COUNT, (nvx_kernel)-1, (nvx_kernel)99,
#if NVX_X86
                                NVX_KERNEL_NEON
#else
                                NVX_KERNEL_SSE2
#endif
    };
    for (int k = 0; k < NVX_KERNEL_COUNT; k++) {
        if (!nvx_kernel_supported((nvx_kernel)k))
            continue;
        CHECK(nvx_select((nvx_kernel)k) == 0, "select %s", nvx_kernel_name((nvx_kernel)k));
        CHECK(nvx_selected() == (nvx_kernel)k, "selected %s", nvx_kernel_name((nvx_kernel)k));
        for (size_t u = 0; u < sizeof unsupported / sizeof unsupported[0]; u++) {
            CHECK(nvx_select(unsupported[u]) == -1, "select %d accepted", (int)unsupported[u]);
            CHECK(nvx_selected() == (nvx_kernel)k, "failed select changed selection");
        }
        /* nvx_init after an explicit choice must not override it. */
        nvx_init();
        CHECK(nvx_selected() == (nvx_kernel)k, "nvx_init overrode %s",
              nvx_kernel_name((nvx_kernel)k));
        /* The selected family works end to end. */
        uint8_t buf[100];
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)i;
        const uint8_t key[4] = {0xff, 0, 0xff, 0};
        CHECK(nvx_xor_mask(buf, sizeof buf, key, 2) == 2, "offset");
        CHECK(buf[0] == 0xff && buf[1] == 1 && buf[98] == (uint8_t)(98 ^ 0xff) && buf[99] == 99,
              "bytes");
        CHECK(nvx_utf8_valid((const uint8_t *)"h\xc3\xa9llo", 6) == 1, "valid UTF-8");
        CHECK(nvx_utf8_valid((const uint8_t *)"h\xc3llo", 5) == 0, "invalid UTF-8");
        /* Masking follows the family, except AVX-512 where the per-CPU
         * table says AVX2 is as fast. */
        nvx_kernel want = (nvx_kernel)k;
        if (k == NVX_KERNEL_AVX512 && !nvx__cpu_wide_mask())
            want = NVX_KERNEL_AVX2;
        CHECK(nvx_mask_kernel() == want, "%s masks with %s, want %s", nvx_kernel_name((nvx_kernel)k),
              nvx_kernel_name(nvx_mask_kernel()), nvx_kernel_name(want));
    }

    /* The per-CPU masking table: only the measured Intel cores take
     * AVX-512 masking; other models, and other vendors with the same
     * numbers, keep AVX2. */
    struct {
        int intel;
        unsigned family, model;
        int wide;
    } table[] = {
        {1, 6, 0xcf, 1}, /* Emerald Rapids */
        {1, 6, 0x8f, 1}, /* Sapphire Rapids */
        {1, 6, 0x55, 0}, /* Skylake-SP / Cascade Lake: 512-bit frequency licence */
        {1, 6, 0x6a, 0}, /* Ice Lake-SP: not measured */
        {0, 0x19, 0x11, 0}, /* AMD Zen 4: measured equal */
        {0, 0x1a, 0x02, 0}, /* AMD Zen 5: not measured */
        {0, 6, 0xcf, 0}, /* not Intel */
        {1, 0xf, 0xcf, 0}, /* not family 6 */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        CHECK(nvx__wide_mask_for(table[i].intel, table[i].family, table[i].model) == table[i].wide,
              "wide mask for intel=%d family %#x model %#x", table[i].intel, table[i].family,
              table[i].model);
    if (!nvx_kernel_supported(NVX_KERNEL_AVX512))
        CHECK(!nvx__cpu_wide_mask(), "wide masking without AVX-512");

    /* nvx_select_mask forces one masking kernel; nvx_select restores the
     * routing. */
    nvx_kernel family = nvx_selected();
    nvx_kernel routed = nvx_mask_kernel();
    for (int k = 0; k < NVX_KERNEL_COUNT; k++) {
        if (!nvx_kernel_supported((nvx_kernel)k)) {
            CHECK(nvx_select_mask((nvx_kernel)k) == -1, "forced unsupported %s",
                  nvx_kernel_name((nvx_kernel)k));
            continue;
        }
        CHECK(nvx_select_mask((nvx_kernel)k) == 0, "force %s", nvx_kernel_name((nvx_kernel)k));
        CHECK(nvx_mask_kernel() == (nvx_kernel)k, "forced %s, masks with %s",
              nvx_kernel_name((nvx_kernel)k), nvx_kernel_name(nvx_mask_kernel()));
        CHECK(nvx_selected() == family, "forcing masking changed the family");
        CHECK(nvx_select_mask(NVX_KERNEL_COUNT) == -1, "forced COUNT");
        CHECK(nvx_mask_kernel() == (nvx_kernel)k, "failed force changed masking");
    }
    CHECK(nvx_select(family) == 0, "reselect");
    CHECK(nvx_mask_kernel() == routed, "nvx_select did not restore the routing");
    return nvx_test_done("test_dispatch");
}
