/* Uses the installed nvx.h and library: masks, validates, reports. */
#include <nvx.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    nvx_init();
    uint8_t msg[40];
    const char *text = "na\xc3\xafve caf\xc3\xa9 \xe2\x82\xac 100, \xf0\x9f\x98\x80 ok";
    size_t n = strlen(text);
    memcpy(msg, text, n);
    const uint8_t key[4] = {0x12, 0x34, 0x56, 0x78};
    size_t pos = nvx_xor_mask(msg, n, key, 0);
    int changed = memcmp(msg, text, n) != 0;
    nvx_utf8_validator v;
    nvx_utf8_reset(&v);
    nvx_utf8_result r;
    size_t pos2 = nvx_xor_mask_utf8_validate(msg, n, key, 0, &v, &r);
    int ok = changed && pos == n % 4 && pos2 == pos && memcmp(msg, text, n) == 0 && r.valid &&
             r.ends_on_codepoint && r.current_index == n && nvx_utf8_valid(msg, n) &&
             !nvx_utf8_valid((const uint8_t *)"\xc3", 1);
    printf("nvx %d.%d.%d kernel=%s: %s\n", NVX_VERSION_MAJOR, NVX_VERSION_MINOR,
           NVX_VERSION_PATCH, nvx_kernel_name(nvx_selected()), ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
