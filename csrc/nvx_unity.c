/*
 * nvx_unity.c - the whole NVX core as one translation unit, for builds
 * that cannot run CMake (the cgo binding compiles this file through a small
 * C file in nvx/). CMake never compiles it; it compiles the files below one
 * by one. Every file-local name is prefixed with its file's name, so they
 * never collide here.
 *
 * Needs: -I<repo>/csrc/include (nvx.h). The sources and nvx_internal.h are
 * found next to this file.
 */
#include "dispatch.c"

#include "mask.c"
#include "mask_scalar.c"
#include "mask_sse2.c"
#include "mask_avx2.c"
#include "mask_avx512.c"
#include "mask_neon.c"

#include "utf8.c"
#include "utf8_scalar.c"
#include "utf8_ssse3.c"
#include "utf8_avx2.c"
#include "utf8_avx512.c"
#include "utf8_neon.c"

#include "fused.c"
