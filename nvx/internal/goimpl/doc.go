// Package goimpl holds the pure-Go kernels shared by package nvx and
// package purego. Each entry point takes the size decision itself and, when
// asked to (native is true) and a native hook is installed, hands large
// inputs to the C core; so the public nvx and purego functions are one-call
// wrappers the compiler inlines, and a small input costs the same through
// nvx as through purego.
package goimpl

// MaskHook, when not nil, masks b in C exactly as XorMask does. Package nvx
// installs it at start, only when the native core is in use.
var MaskHook func(b []byte, key [4]byte, pos int) int

// MaskMin is the smallest buffer XorMask hands to MaskHook (set with it).
var MaskMin = int(^uint(0) >> 1)
