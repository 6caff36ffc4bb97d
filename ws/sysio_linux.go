//go:build linux && !race && !msan && !asan

package ws

import (
	"syscall"
	"unsafe"
)

// The socket calls of the raw paths (connReader.rawRead, sockWriter,
// rawWriter), made inside a syscall.RawConn callback on a non-blocking
// descriptor: they cannot block, so a transfer of up to rawSysMax bytes
// goes through syscall.RawSyscall and skips the scheduler's
// entersyscall/exitsyscall pair, which on a small message costs more than
// the rest of our own work on it. Larger ones go through syscall.Syscall:
// a long copy then does not hold the goroutine's P (GC and preemption
// wait for a raw call to return). Errors come back as the Errno (EAGAIN,
// EINTR included) for the caller to handle; n is 0 then.
//
// Race, memory and address sanitizer builds use the syscall package's
// calls instead (sysio_race.go), whose annotations those tools need.

// rawSysMax is the largest transfer made with a raw system call.
const rawSysMax = 64 << 10

// sysRead is read(2) of fd into p.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	var r uintptr
	var e syscall.Errno
	if len(p) <= rawSysMax {
		r, _, e = syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	} else {
		r, _, e = syscall.Syscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

// sysWrite is write(2) of p to fd.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	var r uintptr
	var e syscall.Errno
	if len(p) <= rawSysMax {
		r, _, e = syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	} else {
		r, _, e = syscall.Syscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

// sysWritev is writev(2) of the two vectors in iov (total bytes) to fd.
func sysWritev(fd uintptr, iov *[2]syscall.Iovec, total int) (int, syscall.Errno) {
	var r uintptr
	var e syscall.Errno
	if total <= rawSysMax {
		r, _, e = syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(iov)), 2)
	} else {
		r, _, e = syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(iov)), 2)
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}
