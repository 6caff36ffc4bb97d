// Package nvx is the Go face of NVX (Native Vector Extensions), the
// portable C SIMD core of autobahn-go: XOR masking and incremental UTF-8
// validation for RFC 6455 WebSockets, the two loops every byte of a
// WebSocket message goes through.
//
// # Native and pure Go
//
// With cgo the C core in ../csrc is compiled into the package (HasNVX is
// true) and the best kernel for the CPU is chosen once at start, using
// github.com/klauspost/cpuid/v2; Kernel names it. Within a kernel family
// the C core picks the masking code per CPU from a table by vendor, family
// and model (AVX-512 masks with 64-byte stores only on the Intel cores where
// they measured faster, AVX2 elsewhere); MaskKernel names it. Without cgo
// every call runs package purego, the pure-Go twin of this package.
//
// AUTOBAHN_USE_NVX is read once at start, trimmed and lower-cased, as
// Autobahn|Python does: "0", "no", "false" switch the native core off (all
// calls go to purego); "1", "yes", "true" switch it on, and a build without
// it then fails at start with a message naming the variable; anything else,
// or unset, means on where HasNVX. UsesNVX reports the outcome.
//
// # Calling C
//
// A cgo call costs tens of nanoseconds (35-60 ns on the Intel Xeon of the
// project machine), because the runtime hands the thread over to C as if
// it might block or call back. The C core needs neither: on amd64 outside
// Windows, XorMask, the validation and the fused unmask-and-validate call
// its nvx_xor_mask, nvx_utf8_validate and nvx_xor_mask_utf8_validate
// directly from Go assembly instead (package internal/ccall: on the
// goroutine's stack, 3-6 ns a call; masking in chunks of at most 64 KiB,
// validation in chunks of at most 16 KiB, the validator state carried from
// one chunk to the next). That brings masking 16 KiB through nvx to within
// a few percent of the C kernel alone and of copy(), and lets validation
// hand C text from 128 B (the fused call from 96 B) on that Xeon instead
// of 192 B, and all-ASCII text from 1-1.5 KiB instead of 2-3 KiB. The
// same calls
// go through cgo (with #cgo noescape and nocallback) on other platforms,
// when the C core was built without optimisation or with a sanitizer, and
// for validation when LD_BIND_NOT is set (direct_amd64.go says why).
//
// # Thresholds
//
// A call into C costs more than pure Go takes for a short buffer (a cgo
// call far more). So even with the native core on, inputs shorter than the
// thresholds of ThresholdsInUse go to purego: the thresholds are where the
// native path starts to win, so it is never slower than pure Go at any
// size. They are measured at start on the CPU at hand (a few milliseconds,
// best of 31 interleaved rounds per candidate size; masking at 512 B-16 KiB,
// UTF-8 validation and the fused unmask-and-validate on accented Latin and
// CJK text at 32-256 B, through the very path the functions take from the
// threshold on, text that opens with a non-ASCII word (CJK, and French that
// opens with accents) at 24-192 B for UTF8Lead, all-ASCII text at 1-16 KiB),
// since the cgo call, the C kernels
// and the pure-Go loops all differ between CPUs; a measurement that says
// nothing leaves the default constants. MaskThresholdInUse is the masking
// one.
// The validator state has one representation for both sides, so one stream
// may have its short chunks validated in Go and its long ones in C.
// See the constants for the measured figures.
package nvx
