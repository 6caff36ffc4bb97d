// Package purego holds the pure-Go twins of every nvx function: XOR masking
// and incremental UTF-8 validation for RFC 6455 WebSockets.
//
// It is what package nvx runs when cgo is off, when AUTOBAHN_USE_NVX
// switches the native core off, and for inputs too short for a cgo call to
// pay off. Keeping it a separate package also lets a benchmark hold the
// native and the pure-Go code side by side in one process.
//
// The validator state has the same fields, layout and meaning as the C
// core's nvx_utf8_validator (a Hoehrmann DFA state, the bytes of the
// current partial code point, the bytes consumed), so package nvx can hand
// one stream to the C core and to this package chunk by chunk.
package purego
