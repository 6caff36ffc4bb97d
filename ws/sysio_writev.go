//go:build linux && !(!race && !msan && !asan && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64))

package ws

import (
	"syscall"
	"unsafe"
)

// rawSysMax is the largest transfer sysio_linux.go makes with a raw
// system call (the same here, for the tests).
const rawSysMax = 64 << 10

// rawSocketCalls: the socket calls are the syscall package's here.
const rawSocketCalls = false

// sysWritev is writev(2) of the two vectors in iov (total bytes) to fd
// through syscall.Syscall (see sysio_unix.go), released to the race
// detector as syscall.Write would (raceReleaseWrite); msg is unused here.
func sysWritev(fd uintptr, _ *syscall.Msghdr, iov *[2]syscall.Iovec, total int) (int, syscall.Errno) {
	raceReleaseWrite(fd)
	r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(iov)), 2)
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}
