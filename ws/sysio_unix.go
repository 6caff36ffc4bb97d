//go:build unix && !linux

package ws

import "syscall"

// The socket calls of the raw paths outside Linux: through the syscall
// package (see sysio_linux.go for Linux).

// sysRead is read(2) of fd into p.
func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	return errnoOf(syscall.Read(int(fd), p))
}

// sysWrite is write(2) of p to fd.
func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	return errnoOf(syscall.Write(int(fd), p))
}
