// Package ccall calls a C masking function of the NVX core directly from
// Go assembly, without the cgo transition (runtime.cgocall's hand-off to
// the scheduler and its switch to the system stack), which costs 35-60 ns
// per call on the Intel Xeon of the project machine: a third of the whole
// time of masking 16 KiB.
//
// The transition exists because C code in general may block, call back
// into Go, or need a large stack. The function called here does none of
// that: nvx_xor_mask (csrc/mask.c) and the kernels it jumps to are leaf
// functions that only read and write the buffer they are given, use a few
// dozen bytes of stack, and return within a bounded time (the caller,
// package nvx, hands them at most DirectChunk bytes per call, about a
// microsecond and a half of work). Such a call is like a call to a Go
// assembly function, and is made as one:
//
//   - It runs on the goroutine's stack. The Go function XorMask is not
//     NOSPLIT, so its prologue grows the stack first when fewer than
//     frame bytes plus the runtime's stack guard are left; the C code's
//     stack pointer is put at the top of that frame, so C has the whole
//     frame (StackBytes) and the guard below it (at least 800 bytes) for
//     its own use, several times what it needs.
//   - The System V calling convention (amd64 Linux, macOS, the BSDs; not
//     Windows, which is left out by the build constraint): arguments in
//     DI, SI, DX, CX, the result in AX, the stack pointer 16-byte aligned
//     at the call. C preserves BX, BP and R12-R15 (so R14, Go's g register,
//     survives); X15, which Go keeps zero, is zeroed again on return.
//   - Signals that arrive while C runs are handled as in any C code: Go's
//     handlers run on the signal stack and load g from thread-local
//     storage; a profiling signal records the sample as external code; an
//     asynchronous preemption request finds no Go safe point and is
//     retried after the call returns (a garbage collection waits at most
//     that microsecond and a half).
//   - Pointer arguments are typed (not uintptr), so the garbage collector
//     keeps the buffer alive for the call; the key is read through a
//     pointer into the caller's frame, which cannot move during the call.
//
// It is used only with cgo on amd64 outside Windows, and only when the C
// core was compiled with optimisation and without a sanitizer (package
// nvx asks the C side, which knows: unoptimised, the AVX-512 kernel keeps
// its vectors on the stack, 2.7 KiB; a sanitizer's runtime runs on the
// caller's stack); everywhere else package nvx calls the same C function
// through cgo.
package ccall
