package goimpl

import (
	"encoding/binary"
)

const hiBits = 0x8080808080808080

// splitMin is the shortest leading ASCII run that Validate and ValidUTF8
// leave out of the chunk they hand to C: shorter runs cost C less than
// starting it off the caller's alignment (about 5 ns per KiB of
// misaligned text, measured on the project machine).
const splitMin = 64

// asciiWords returns the length of the longest prefix of b made of whole
// 8-byte words whose bytes are all ASCII (so a multiple of 8). It reads 32
// bytes per step. The loops test len(p) > 32 and > 8, not >=, so that
// slicing p never has to guard against pointing past the end of the
// array (the standard library's utf8.Valid uses the same trick); the last
// word is checked on its own. On the project machine this runs at 1.1x
// (4 KiB) to 3.7x (64 B) the speed of utf8.Valid on ASCII text.
func asciiWords(b []byte) int {
	le := binary.LittleEndian
	n := len(b)
	p := b[:n:n]
	for len(p) > 32 && (le.Uint64(p)|le.Uint64(p[8:])|le.Uint64(p[16:])|le.Uint64(p[24:]))&hiBits == 0 {
		p = p[32:]
	}
	for len(p) > 8 && le.Uint64(p)&hiBits == 0 {
		p = p[8:]
	}
	if len(p) == 8 && le.Uint64(p)&hiBits == 0 {
		return n
	}
	return n - len(p)
}

// looksASCII samples four 8-byte words spread over b (the first, the
// last, and two between) and reports whether all 32 sampled bytes are
// ASCII. Text with accents or CJK rarely passes (French or German text is
// about one byte in twelve non-ASCII, so 32 sampled ASCII bytes happen for
// a few percent of chunks, which then merely miss the native speed-up);
// English with the odd accent or emoji usually does, and there Go's ASCII
// loop is the faster one below the ASCII threshold. It costs a few
// nanoseconds, and only text that is already known not to be all ASCII
// pays it.
func looksASCII(b []byte) bool {
	n := len(b)
	if n < 16 {
		return false
	}
	le := binary.LittleEndian
	acc := le.Uint64(b) | le.Uint64(b[n>>2:]) | le.Uint64(b[n>>1:]) | le.Uint64(b[n-8:])
	return acc&hiBits == 0
}

// leadFrom returns start when b[start:], which opens with a word that is
// not all ASCII, goes to C whole, else -1: when it is at least 24 bytes
// long and a sample of the rest (looksASCII on what follows the first
// word) is not all ASCII either (CJK, Cyrillic, text that opens with
// accented words). A lone accent before plain ASCII ("É" and English)
// fails that: Go checks the ASCII eight bytes at a time, faster than C
// below a few hundred bytes.
//
// Where C takes over a chunk b whose b[start:i] is a run of ASCII words
// Go has checked (b[start:] begins on a code point): when b[start:] opens
// with a word that is not all ASCII (i == start), from UTF8Min bytes, or
// from UTF8LeadMin when that is less, leadFrom decides; otherwise
// nativeFrom does, from UTF8Min bytes. Validate and ValidUTF8 make that
// test themselves (it is too large to inline as a function), so that
// all-ASCII text below UTF8ASCIIMin pays two length tests and no call:
// its words are checked once, by the loop that validates them, exactly as
// package purego does.
//
//go:noinline
func leadFrom(b []byte, start int) int {
	if len(b)-start < 24 || looksASCII(b[start+8:]) {
		return -1
	}
	return start
}

// nativeFrom returns where C takes over a chunk b of at least UTF8Min
// bytes whose b[start:i] is a run of at least one ASCII word Go has
// checked (b[start:] begins on a code point), or -1 when Go does all of
// it. The rest b[i:] goes to C when it is at least UTF8Min/2 bytes (less is done sooner in
// Go than a cgo call returns) and does not look like ASCII text past its
// first word (which holds the non-ASCII byte that stopped the ASCII loop,
// so it says nothing about the rest). A run shorter than splitMin goes to
// C again rather than moving C's start off the caller's alignment, which
// costs C more than the run.
//
// So below UTF8ASCIIMin the decision costs pure ASCII nothing but one
// inlined length test: its words are checked once, by the loop that
// validates them, exactly as package purego does; text that is not all
// ASCII leaves that loop at its first non-ASCII word and pays one sample
// of the rest (splitFrom).
func nativeFrom(b []byte, start, i int) int {
	if len(b)-i < max(UTF8Min/2, 24) {
		return -1
	}
	return splitFrom(b, start, i)
}

// splitFrom is nativeFrom past its length test, out of line so that
// nativeFrom stays within the inlining budget.
//
//go:noinline
func splitFrom(b []byte, start, i int) int {
	switch {
	case looksASCII(b[i+8:]):
		return -1
	case i-start < splitMin:
		return start
	}
	return i
}
