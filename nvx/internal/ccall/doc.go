// Package ccall calls the C masking and UTF-8 validation functions of the
// NVX core directly from Go assembly, without the cgo transition (runtime.cgocall's hand-off to
// the scheduler and its switch to the system stack), which costs 35-60 ns
// per call on the Intel Xeon of the project machine: a third of the whole
// time of masking 16 KiB.
//
// The transition exists because C code in general may block, call back
// into Go, or need a large stack. The functions called here do none of
// that: nvx_xor_mask (csrc/mask.c), nvx_utf8_validate (csrc/utf8.c),
// nvx_xor_mask_utf8_validate (csrc/fused.c) and the kernels they jump to
// are leaf functions that only read and write the buffers and structs
// they are given, use a few hundred bytes of stack at most, and return
// within a bounded time (the caller, package nvx, hands them at most
// 64 KiB to mask or 16 KiB to validate per call, a microsecond or two of
// work). The one call they make out of the core, the C library's memcpy
// for a validation kernel's last partial block, keeps no frame; package
// nvx calls it once through cgo at start, so that its lazy binding (the
// dynamic linker's resolver, which needs kilobytes of stack) is done
// before the first direct call. Such a call is like a call to a Go
// assembly function, and is made as one:
//
//   - It runs on the goroutine's stack. The Go functions here are not
//     NOSPLIT, so their prologue grows the stack first when fewer than
//     frame bytes plus the runtime's stack guard are left; the C code's
//     stack pointer is put at the top of that frame, so C has the whole
//     frame (StackBytes for XorMask, UTF8StackBytes for Validate and
//     XorMaskValidate) and the guard below it (at least 800 bytes) for
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
//     keeps the buffer alive for the call, and pointers into the caller's
//     stack (the key, the validator state and the result struct may live
//     there) are adjusted if the prologue moves the stack; during the call
//     itself the stack cannot move. The C code stores no pointer.
//
// It is used only with cgo on amd64 outside Windows, and only when the C
// core was compiled with optimisation and without a sanitizer (package
// nvx asks the C side, which knows: unoptimised, the AVX-512 kernel keeps
// its vectors on the stack, 2.7 KiB; a sanitizer's runtime runs on the
// caller's stack); everywhere else package nvx calls the same C function
// through cgo.
package ccall
