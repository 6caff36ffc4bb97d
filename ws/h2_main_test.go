package ws

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// TestMain re-runs the test binary with GODEBUG=http2xconnect=1 when the
// process did not start with it: net/http reads the setting once, at
// start, and without it its HTTP/2 server refuses RFC 8441 (see
// h2ExtendedConnect). The other tests do not depend on it. Set
// AUTOBAHN_H2_NO_REEXEC=1 to run without (the HTTP/2 tests then skip).
func TestMain(m *testing.M) {
	if !h2ExtendedConnect && os.Getenv("AUTOBAHN_H2_NO_REEXEC") == "" {
		godebug := os.Getenv("GODEBUG")
		if godebug != "" {
			godebug += ","
		}
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Env = append(os.Environ(), "GODEBUG="+godebug+"http2xconnect=1", "AUTOBAHN_H2_NO_REEXEC=1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				os.Exit(ee.ExitCode())
			}
			fmt.Fprintln(os.Stderr, "ws tests: re-running with GODEBUG=http2xconnect=1:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
