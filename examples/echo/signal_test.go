//go:build unix

package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/ws"
)

// TestMainExitsOnSignal runs main in a child process (this test binary,
// re-executed), talks to it, sends SIGTERM and expects a clean exit: status
// 0, the open connection closed with 1001 (going away).
func TestMainExitsOnSignal(t *testing.T) {
	if os.Getenv("ECHO_TEST_MAIN") == "1" {
		os.Args = []string{"echo", "-addr", "127.0.0.1:0"}
		main()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestMainExitsOnSignal$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ECHO_TEST_MAIN=1")
	cmd.WaitDelay = 5 * time.Second
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// the first log line names the URL
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	urlRe := regexp.MustCompile(`url=(ws://[0-9.:]+)`)
	var url string
	for url == "" {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "echo exited before listening")
			if m := urlRe.FindStringSubmatch(l); m != nil {
				url = m[1]
			}
		case <-ctx.Done():
			t.Fatal("echo did not log its URL")
		}
	}

	h := &client{msgs: make(chan ws.IncomingMessage, 4), closed: make(chan int, 1)}
	c, err := ws.Dial(ctx, url+"/", h, nil)
	require.NoError(t, err)
	require.NoError(t, c.SendMessage([]byte("ping?"), false))
	select {
	case m := <-h.msgs:
		assert.Equal(t, "ping?", string(m.Payload))
	case <-ctx.Done():
		t.Fatal("no echo from the child")
	}

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case code := <-h.closed:
		assert.Equal(t, 1001, code, "server going away")
	case <-ctx.Done():
		t.Fatal("connection not closed after SIGTERM")
	}
	var logged []string
	for l := range lines {
		logged = append(logged, l)
	}
	require.NoError(t, cmd.Wait(), "exit status after SIGTERM; log: %q", logged)
	require.NotEmpty(t, logged)
	assert.Contains(t, logged[len(logged)-1], "stopped")
}
