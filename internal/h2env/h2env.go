// Package h2env lets a test binary run with GODEBUG=http2xconnect=1, which
// Go's net/http reads once, at start: without it net/http's HTTP/2 server
// refuses RFC 8441 (WebSockets over HTTP/2), so the packages that test it
// re-run their test binary with the setting.
package h2env

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// NoReexec, set in the environment, runs the tests as they are (the
// HTTP/2 tests then skip); the re-run sets it for itself.
const NoReexec = "AUTOBAHN_H2_NO_REEXEC"

// Main is a TestMain: when enabled is false (the process did not start
// with http2xconnect=1; see ws.HTTP2ExtendedConnect) and NoReexec is not
// set, it re-runs the test binary with the setting added to GODEBUG and
// exits with its status; otherwise it runs the tests. who names the
// package in an error message.
func Main(m *testing.M, enabled bool, who string) {
	if !enabled && os.Getenv(NoReexec) == "" {
		godebug := os.Getenv("GODEBUG")
		if godebug != "" {
			godebug += ","
		}
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Env = append(os.Environ(), "GODEBUG="+godebug+"http2xconnect=1", NoReexec+"=1")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ee, ok := err.(*exec.ExitError); ok {
				os.Exit(ee.ExitCode())
			}
			fmt.Fprintf(os.Stderr, "%s tests: re-running with GODEBUG=http2xconnect=1: %v\n", who, err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
