//go:build !linux

package ws

// openFileLimit is not needed here: the event-loop tests that open many
// connections skip without a poller.
func openFileLimit() uint64 { return 0 }
