package ws

import "sync"

// BroadcastResult counts what a broadcast did with each connection.
type BroadcastResult struct {
	// Delivered counts the connections the message was written to or
	// queued on (a queued message is written by the connection's queue
	// writer, after what was queued before it).
	Delivered int
	// Dropped counts the connections whose send queue had no room
	// (OverflowDrop or OverflowError).
	Dropped int
	// Closed counts the connections that were closing or closed already,
	// or that the broadcast closed as slow consumers (OverflowClose).
	Closed int
}

// add counts one outcome.
func (r *BroadcastResult) add(o queueOutcome) {
	switch o {
	case queued:
		r.Delivered++
	case queueDropped:
		r.Dropped++
	default:
		r.Closed++
	}
}

// Broadcast sends one prepared message to every connection in conns as
// SendPreparedAsync does, and returns without waiting for any peer: the
// message is framed once (and compressed once per negotiated window size
// where the connections allow it, see PreparedMessage). A connection with
// nothing queued gets the frame at once with one non-blocking write from
// the broadcasting goroutine (a large broadcast spreads these over up to
// GOMAXPROCS goroutines); what its socket does not take is queued. So a
// slow or dead connection delays no other: it only fills its own queue,
// bounded by its Options.SendQueueLimit and handled by its
// SendQueueOverflow policy. nil entries are skipped.
func Broadcast(conns []*Conn, pm *PreparedMessage) BroadcastResult {
	return BroadcastFunc(conns, pm, nil)
}

// BroadcastFunc is Broadcast to the connections for which keep returns
// true (all when keep is nil). keep runs on the caller's goroutine, once
// per connection (a filtered broadcast runs on that goroutine alone).
func BroadcastFunc(conns []*Conn, pm *PreparedMessage, keep func(*Conn) bool) BroadcastResult {
	if pm == nil {
		return BroadcastResult{}
	}
	r, _ := broadcastAll(conns, pm, keep, false)
	return r
}

// Group is a set of connections to broadcast to (a room). Its methods are
// safe from any goroutine; the zero value is an empty group. A connection
// may be in many groups. Remove a connection when it closes (in OnClose,
// say); a broadcast also removes the connections it finds closed.
type Group struct {
	mu    sync.Mutex
	conns map[*Conn]struct{}
	snap  []*Conn // members as a slice, rebuilt after a change (nil: stale)
}

// Add puts c in the group (once, however often it is added).
func (g *Group) Add(c *Conn) {
	if c == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns == nil {
		g.conns = make(map[*Conn]struct{})
	}
	if _, ok := g.conns[c]; !ok {
		g.conns[c] = struct{}{}
		g.snap = nil
	}
}

// Remove takes c out of the group.
func (g *Group) Remove(c *Conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.conns[c]; ok {
		delete(g.conns, c)
		g.snap = nil
	}
}

// Len is the number of connections in the group.
func (g *Group) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns)
}

// Conns returns the group's connections (a copy, in no particular order).
func (g *Group) Conns() []*Conn {
	return append([]*Conn(nil), g.members()...)
}

// members returns the current members; the slice is shared and never
// modified (a change builds a new one).
func (g *Group) members() []*Conn {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.snap == nil && len(g.conns) > 0 {
		g.snap = make([]*Conn, 0, len(g.conns))
		for c := range g.conns {
			g.snap = append(g.snap, c)
		}
	}
	return g.snap
}

// Broadcast queues pm on every connection of the group; see the function
// Broadcast.
func (g *Group) Broadcast(pm *PreparedMessage) BroadcastResult {
	return g.BroadcastFunc(pm, nil)
}

// BroadcastFunc queues pm on the group's connections for which keep
// returns true (all when keep is nil); see the function BroadcastFunc.
// Connections found closed are removed from the group.
func (g *Group) BroadcastFunc(pm *PreparedMessage, keep func(*Conn) bool) BroadcastResult {
	if pm == nil {
		return BroadcastResult{}
	}
	r, gone := broadcastAll(g.members(), pm, keep, true)
	for _, c := range gone {
		g.Remove(c)
	}
	return r
}

// BroadcastMessage prepares payload once and queues it on every
// connection of the group.
func (g *Group) BroadcastMessage(payload []byte, isBinary bool) BroadcastResult {
	pm, _ := PrepareMessage(payload, isBinary)
	return g.Broadcast(pm)
}
