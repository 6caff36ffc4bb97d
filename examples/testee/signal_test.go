//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMainExitsOnSignal runs main in a child process (this test binary,
// re-executed) against a suite whose first case never ends, sends SIGINT
// and expects a clean exit: status 0 and "interrupted" in the log.
func TestMainExitsOnSignal(t *testing.T) {
	if url := os.Getenv("TESTEE_TEST_MAIN_URL"); url != "" {
		os.Args = []string{"testee", "-url", url, "-agent", "signal-test"}
		main()
		return
	}
	s := &fakeSuite{hang: true}
	base := startSuite(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainExitsOnSignal$", "-test.count=1")
	cmd.Env = append(os.Environ(), "TESTEE_TEST_MAIN_URL="+base)
	cmd.WaitDelay = 5 * time.Second
	var logs bytes.Buffer
	cmd.Stderr = &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	select {
	case n := <-s.opened:
		assert.Equal(t, 1, n)
	case <-ctx.Done():
		t.Fatal("case 1 never opened")
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	require.NoError(t, cmd.Wait(), "exit status after SIGINT")
	assert.Contains(t, logs.String(), "interrupted")
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Empty(t, s.reports, "no updateReports after an interrupt")
}
