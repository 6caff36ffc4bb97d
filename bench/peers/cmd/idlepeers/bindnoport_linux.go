//go:build linux

package main

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// bindAddressNoPort sets IP_BIND_ADDRESS_NO_PORT on a client socket that
// binds a local address: the port is then chosen at connect time, unique
// per 4-tuple, like an unbound client's. Without it bind picks a port
// exclusively, and the tens of thousands of such ports the run leaves in
// TIME_WAIT keep connect from using them for a minute: a benchmark run
// right after (make bench-broadcast) ran out of ports at ~8,300
// connections.
func bindAddressNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}
