//go:build linux && (race || msan || asan)

package ws

import (
	"syscall"
	"unsafe"
)

// The socket calls of the raw paths in race, memory and address sanitizer
// builds: through the syscall package, whose Read and Write tell those
// tools about the transfer (see sysio_linux.go for the others).

// rawSysMax is the largest transfer sysio_linux.go makes with a raw
// system call (the same here, for tests).
const rawSysMax = 64 << 10

// sysRead is read(2) of fd into p.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	return errnoOf(syscall.Read(int(fd), p))
}

// sysWrite is write(2) of p to fd.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	return errnoOf(syscall.Write(int(fd), p))
}

// sysWritev is writev(2) of the two vectors in iov (total bytes) to fd,
// released to the race detector as syscall.Write would (raceReleaseWrite).
func sysWritev(fd uintptr, iov *[2]syscall.Iovec, total int) (int, syscall.Errno) {
	raceReleaseWrite(fd)
	r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(iov)), 2)
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}
