//go:build unix && !(linux && !race && !msan && !asan && (amd64 || arm64 || riscv64 || ppc64le || s390x || loong64))

package ws

import "syscall"

// The socket calls of the raw paths where sysio_linux.go does not apply
// (other systems; race, memory and address sanitizer builds, whose tools
// need the syscall package's annotations; 32-bit Linux): through the
// syscall package, so that a call on a descriptor whose O_NONBLOCK someone
// cleared blocks only its own thread, never the goroutine's P.

// sysRead is read(2) of fd into p.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	return errnoOf(syscall.Read(int(fd), p))
}

// sysWrite is write(2) of p to fd.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	return errnoOf(syscall.Write(int(fd), p))
}

// errnoOf turns the result of syscall.Read or syscall.Write into the
// (count, Errno) of the raw paths: 0 and the Errno on an error (EIO for one
// that is not an Errno).
func errnoOf(n int, err error) (int, syscall.Errno) {
	if err == nil {
		return n, 0
	}
	e, ok := err.(syscall.Errno)
	if !ok || e == 0 {
		e = syscall.EIO
	}
	return 0, e
}
