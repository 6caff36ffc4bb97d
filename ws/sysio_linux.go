//go:build linux && !race && !msan && !asan && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64)

package ws

import (
	"syscall"
	"unsafe"
)

// The socket calls of the raw paths (connReader.rawRead, sockWriter,
// rawWriter), made inside a syscall.RawConn callback. They are
// recvfrom(2), sendto(2) and sendmsg(2) with MSG_DONTWAIT, so they cannot
// block whatever the descriptor's mode: O_NONBLOCK belongs to the open
// file, and anything holding a duplicate (os.File.Fd, for one) may clear
// it. A transfer of up to rawSysMax bytes goes through syscall.RawSyscall6
// and skips the scheduler's entersyscall/exitsyscall pair, which on a
// small message costs more than the rest of our own work on it; larger
// ones go through syscall.Syscall6, so that a long copy does not hold the
// goroutine's P (GC and preemption wait for a raw call to return). Errors
// come back as the Errno (EAGAIN, EINTR included) for the caller to
// handle; n is 0 then. MSG_NOSIGNAL: a peer that is gone is EPIPE, never
// a SIGPIPE.
//
// Race, memory and address sanitizer builds, and 32-bit platforms, use
// the syscall package's calls instead (sysio_unix.go, sysio_writev.go).

// rawSysMax is the largest transfer made with a raw system call.
const rawSysMax = 64 << 10

const (
	recvFlags = syscall.MSG_DONTWAIT
	sendFlags = syscall.MSG_DONTWAIT | syscall.MSG_NOSIGNAL
)

// sockCall makes the socket call trap(fd, p, a3, a4, 0, 0) that moves size
// bytes: raw up to rawSysMax.
func sockCall(trap, fd uintptr, p unsafe.Pointer, a3, a4 uintptr, size int) (int, syscall.Errno) {
	var r uintptr
	var e syscall.Errno
	if size <= rawSysMax {
		r, _, e = syscall.RawSyscall6(trap, fd, uintptr(p), a3, a4, 0, 0)
	} else {
		r, _, e = syscall.Syscall6(trap, fd, uintptr(p), a3, a4, 0, 0)
	}
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

// sysRead reads from socket fd into p.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	return sockCall(syscall.SYS_RECVFROM, fd, unsafe.Pointer(unsafe.SliceData(p)), uintptr(len(p)), recvFlags, len(p))
}

// sysWrite writes p to socket fd.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	return sockCall(syscall.SYS_SENDTO, fd, unsafe.Pointer(unsafe.SliceData(p)), uintptr(len(p)), sendFlags, len(p))
}

// sysWritev writes the two vectors of iov (total bytes) to socket fd, with
// msg as the message header that points at them.
func sysWritev(fd uintptr, msg *syscall.Msghdr, iov *[2]syscall.Iovec, total int) (int, syscall.Errno) {
	msg.Iov, msg.Iovlen = &iov[0], 2
	n, e := sockCall(syscall.SYS_SENDMSG, fd, unsafe.Pointer(msg), sendFlags, 0, total)
	msg.Iov = nil // pin no payload
	return n, e
}

// rawSocketCalls: the socket calls are raw, with MSG_DONTWAIT (sysio_linux.go).
const rawSocketCalls = true
