//go:build linux && race

package ws

import "syscall"

// raceReleaseWrite tells the race detector about a writev(2) the way
// syscall.Write tells it about a write(2) (there is no syscall.Writev): as
// a release that the reading side's syscall.Read acquires, so that what a
// goroutine did before sending is ordered before what the receiver does
// after reading it. A write of no bytes through syscall.Write does that;
// race builds only (one more system call per writev there).
func raceReleaseWrite(fd uintptr) { _, _ = syscall.Write(int(fd), nil) }
