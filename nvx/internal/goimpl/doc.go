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

// ValidateHook, when not nil, runs v.Validate(b) in C on the same state.
// Package nvx installs it at start, only when the native core is in use.
var ValidateHook func(v *Utf8Validator, b []byte) (valid, endsOnCodepoint bool, currentIndex, totalIndex int)

// ValidHook, when not nil, is ValidUTF8 in C (installed as ValidateHook).
var ValidHook func(b []byte) bool

// FusedHook, when not nil, is XorMaskValidate in C (installed as ValidateHook).
var FusedHook func(b []byte, key [4]byte, pos int, v *Utf8Validator) (next int, valid, endsOnCodepoint bool, currentIndex, totalIndex int)

// Size limits for the hooks, set with them by package nvx (see the
// thresholds documented there): UTF-8 chunks go to C whole from
// UTF8ASCIIMin bytes on; from UTF8Min bytes (from UTF8LeadMin, below),
// those that open with a word that is not all ASCII go whole unless the
// rest looks ASCII (see leadFrom), and the others after their leading
// ASCII words, unless the rest looks ASCII (see nativeFrom). The fused call
// goes to C whole from FusedASCIIMin; from FusedMin, Go unmasks and checks
// the leading ASCII words and C takes the rest in one fused call, unless
// the rest is short or looks ASCII (see fusedMid); below FusedMin, Go
// unmasks and Validate's rules apply.
var (
	UTF8Min, UTF8ASCIIMin   int
	FusedMin, FusedASCIIMin int
)

// UTF8LeadMin is where Validate and ValidUTF8 start sending a chunk that
// opens with a word that is not all ASCII to C whole (when the rest does
// not look ASCII either: CJK, Cyrillic, text that opens with accented
// words; see leadFrom), below UTF8Min: there C is faster than Go well
// below where text that opens with ASCII is (Go's ASCII loops are what
// makes that text fast in Go). XorMaskValidate below FusedMin unmasks in
// Go and validates through Validate, so it follows the same rule. Unset,
// it takes no chunk below UTF8Min.
var UTF8LeadMin = int(^uint(0) >> 1)
