//go:build !linux

package ws

import (
	"io"
	"sync/atomic"
)

// startEventConn has no poller on this platform: connections with
// Options.EventLoop run in goroutine mode (see evloop.go).
func startEventConn(cfg connConfig) *Conn { return nil }

// eventLoopAvailable reports whether Options.EventLoop can take effect on
// this platform.
func eventLoopAvailable() bool { return false }

// evIdleMax, evChunksOut, evFeedMax and evChunk exist for the tests' sake only
// here.
var (
	evIdleMax   int32
	evChunksOut atomic.Int64
)

const (
	evFeedMax = 0
	evChunk   = 0
)

// takeFeed reports false: there is no event loop's feed here.
func takeFeed(io.Reader) (p *[]byte, b []byte, err error, ok bool) {
	return nil, nil, nil, false
}
