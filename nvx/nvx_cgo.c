//go:build cgo

/* The whole NVX C core, compiled into package nvx by cgo as one
 * translation unit (no CMake needed for Go users). */
#include "../csrc/nvx_unity.c"
