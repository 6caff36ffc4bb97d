package ws

import "sync/atomic"

// TrafficStats counts a connection's traffic at three levels, in and out:
// wire (every byte of every frame, headers included; the opening handshake
// is not counted), WebSocket (frame payload bytes as sent, i.e. compressed)
// and application (message payload bytes, uncompressed). Autobahn keeps
// the same three levels in its trafficStats.
type TrafficStats struct {
	WireOctetsIn, WireOctetsOut           uint64 // all frame bytes
	WebSocketOctetsIn, WebSocketOctetsOut uint64 // frame payload bytes
	AppOctetsIn, AppOctetsOut             uint64 // message payload bytes
	FramesIn, FramesOut                   uint64 // all frames
	MessagesIn, MessagesOut               uint64 // data messages
	ControlFramesIn, ControlFramesOut     uint64 // ping, pong, close
}

// statCounters are the live counters behind Stats.
type statCounters struct {
	wireIn, wireOut       atomic.Uint64
	wsIn, wsOut           atomic.Uint64
	appIn, appOut         atomic.Uint64
	framesIn, framesOut   atomic.Uint64
	msgsIn, msgsOut       atomic.Uint64
	controlIn, controlOut atomic.Uint64
}

// Stats returns a snapshot of the connection's traffic counters. It is
// safe to call at any time from any goroutine.
func (c *Conn) Stats() TrafficStats {
	s := &c.stats
	return TrafficStats{
		WireOctetsIn: s.wireIn.Load(), WireOctetsOut: s.wireOut.Load(),
		WebSocketOctetsIn: s.wsIn.Load(), WebSocketOctetsOut: s.wsOut.Load(),
		AppOctetsIn: s.appIn.Load(), AppOctetsOut: s.appOut.Load(),
		FramesIn: s.framesIn.Load(), FramesOut: s.framesOut.Load(),
		MessagesIn: s.msgsIn.Load(), MessagesOut: s.msgsOut.Load(),
		ControlFramesIn: s.controlIn.Load(), ControlFramesOut: s.controlOut.Load(),
	}
}
