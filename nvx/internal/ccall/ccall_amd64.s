//go:build amd64 && !windows

#include "textflag.h"

// func XorMask(fn uintptr, buf *byte, n int, key *[4]byte, pos int) int
//
// Not NOSPLIT: the prologue makes sure the frame (512 bytes, StackBytes)
// and the stack guard below it are there before C runs. C's stack pointer
// is the top of the frame, rounded down to 16 bytes; R12, which C
// preserves, keeps Go's.
TEXT ·XorMask(SB), 0, $512-48
	MOVQ fn+0(FP), AX
	MOVQ buf+8(FP), DI
	MOVQ n+16(FP), SI
	MOVQ key+24(FP), DX
	MOVQ pos+32(FP), CX
	MOVQ SP, R12
	LEAQ 512(SP), BX
	ANDQ $~15, BX
	MOVQ BX, SP
	CALL AX
	MOVQ R12, SP
	XORPS X15, X15
	MOVQ AX, ret+40(FP)
	RET

// func Validate(fn uintptr, v unsafe.Pointer, buf *byte, n int, r unsafe.Pointer)
//
// As XorMask, with a frame of 1024 bytes (UTF8StackBytes); C's int
// result is dropped (r holds it).
TEXT ·Validate(SB), 0, $1024-40
	MOVQ fn+0(FP), AX
	MOVQ v+8(FP), DI
	MOVQ buf+16(FP), SI
	MOVQ n+24(FP), DX
	MOVQ r+32(FP), CX
	MOVQ SP, R12
	LEAQ 1024(SP), BX
	ANDQ $~15, BX
	MOVQ BX, SP
	CALL AX
	MOVQ R12, SP
	XORPS X15, X15
	RET

// func XorMaskValidate(fn uintptr, buf *byte, n int, key *[4]byte, pos int, v, r unsafe.Pointer) int
//
// As Validate, with the fifth and sixth arguments in R8 and R9.
TEXT ·XorMaskValidate(SB), 0, $1024-64
	MOVQ fn+0(FP), AX
	MOVQ buf+8(FP), DI
	MOVQ n+16(FP), SI
	MOVQ key+24(FP), DX
	MOVQ pos+32(FP), CX
	MOVQ v+40(FP), R8
	MOVQ r+48(FP), R9
	MOVQ SP, R12
	LEAQ 1024(SP), BX
	ANDQ $~15, BX
	MOVQ BX, SP
	CALL AX
	MOVQ R12, SP
	XORPS X15, X15
	MOVQ AX, ret+56(FP)
	RET
