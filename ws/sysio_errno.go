//go:build unix && (!linux || race || msan || asan)

package ws

import "syscall"

// errnoOf turns the result of syscall.Read or syscall.Write into the
// (count, Errno) of the raw paths (sysio_linux.go): 0 and the Errno on an
// error (EIO for one that is not an Errno).
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
