package ws

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sigClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestLazySignal(t *testing.T) {
	cases := []struct {
		name        string
		waitersPre  int // goroutines waiting before fire
		waitersPost int // calls after fire
	}{
		{"fire with no waiter", 0, 1},
		{"one waiter", 1, 1},
		{"many waiters", 64, 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var s lazySignal
			assert.False(t, s.fired())
			assert.Nil(t, s.p.Load(), "no channel until someone waits")
			var woke atomic.Int32
			var started, wg sync.WaitGroup
			for range tc.waitersPre {
				started.Add(1)
				wg.Add(1)
				go func() {
					defer wg.Done()
					ch := s.wait()
					started.Done()
					<-ch
					woke.Add(1)
				}()
			}
			started.Wait()
			if tc.waitersPre > 0 {
				require.NotNil(t, s.p.Load())
				assert.False(t, sigClosed(s.wait()))
			}
			s.fire()
			s.fire() // twice is fine
			wg.Wait()
			assert.Equal(t, int32(tc.waitersPre), woke.Load())
			assert.True(t, s.fired())
			for range tc.waitersPost {
				assert.True(t, sigClosed(s.wait()))
			}
			assert.Same(t, firedSignal, s.p.Load(), "a fired signal shares the closed channel")
		})
	}
}

func TestLazySignalRace(t *testing.T) {
	for range 200 {
		var s lazySignal
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-s.wait()
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.fire()
		}()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter missed the fire")
		}
	}
}

func TestConnDoneLazy(t *testing.T) {
	for _, waitFirst := range []bool{false, true} {
		t.Run(map[bool]string{false: "Done after close", true: "Done before close"}[waitFirst], func(t *testing.T) {
			a, b := tcpPair(t)
			c := engine(t, a, true, testOpts(), &BaseHandler{}, nil)
			_ = b
			var chans []<-chan struct{}
			var wg sync.WaitGroup
			var woke atomic.Int32
			if waitFirst {
				for range 16 {
					ch := c.Done()
					chans = append(chans, ch)
					wg.Add(1)
					go func() { defer wg.Done(); <-ch; woke.Add(1) }()
				}
				assert.False(t, sigClosed(c.Done()))
			} else {
				assert.Nil(t, c.done.p.Load(), "an open connection nobody waits on has no Done channel")
			}
			require.NoError(t, c.CloseNow())
			select {
			case <-c.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("Done not closed")
			}
			wg.Wait()
			if waitFirst {
				assert.Equal(t, int32(16), woke.Load())
				for _, ch := range chans {
					assert.True(t, sigClosed(ch))
				}
			}
			assert.True(t, sigClosed(c.Done()))
			assert.True(t, c.isDone())
		})
	}
}

func TestMsgLock(t *testing.T) {
	a, _ := tcpPair(t)
	c := newConn(connConfig{netConn: a, isServer: true, opts: testOpts()})
	t.Run("mutual exclusion", func(t *testing.T) {
		var in atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 200 {
					require.NoError(t, c.acquireMsgSem())
					assert.Equal(t, int32(1), in.Add(1))
					in.Add(-1)
					c.releaseMsgSem()
				}
			}()
		}
		wg.Wait()
		assert.False(t, c.msgSem.held.Load())
		assert.Zero(t, c.msgSem.waiters.Load())
	})
	t.Run("try", func(t *testing.T) {
		require.True(t, c.tryAcquireMsgSem())
		assert.False(t, c.tryAcquireMsgSem())
		c.releaseMsgSem()
		assert.True(t, c.tryAcquireMsgSem())
		c.releaseMsgSem()
	})
	t.Run("drop wakes waiters", func(t *testing.T) {
		require.NoError(t, c.acquireMsgSem())
		errs := make(chan error, 4)
		for range 4 {
			go func() { errs <- c.acquireMsgSem() }()
		}
		for c.msgSem.waiters.Load() < 4 {
			time.Sleep(time.Millisecond)
		}
		c.drop(false, "")
		for range 4 {
			select {
			case err := <-errs:
				assert.ErrorIs(t, err, ErrClosed)
			case <-time.After(10 * time.Second):
				t.Fatal("a waiter was not woken by the drop")
			}
		}
		c.releaseMsgSem()
	})
}
