package ws

import "sync/atomic"

// TrafficStats counts a connection's traffic at three levels, in and out:
// wire (every byte of every frame, headers included), WebSocket (frame
// payload bytes as sent, i.e. compressed) and application (message
// payload bytes, uncompressed). Autobahn keeps the same three levels in
// its trafficStats. Unlike Autobahn's, the wire and WebSocket levels also
// count control frames.
//
// The opening handshake is counted apart, in the pre-open counters
// (Autobahn's preopenIncomingOctetsWireLevel and
// preopenOutgoingOctetsWireLevel): the HTTP request and response bytes
// (above TLS; a client's proxy CONNECT exchange is not included). A
// server's incoming count is the request as net/http parsed it (request
// line and headers), which is the bytes on the wire for a request written
// in the usual form.
type TrafficStats struct {
	WireOctetsIn, WireOctetsOut           uint64 // all frame bytes
	WebSocketOctetsIn, WebSocketOctetsOut uint64 // frame payload bytes
	AppOctetsIn, AppOctetsOut             uint64 // message payload bytes
	FramesIn, FramesOut                   uint64 // all frames
	MessagesIn, MessagesOut               uint64 // data messages
	ControlFramesIn, ControlFramesOut     uint64 // ping, pong, close
	PreopenWireOctetsIn                   uint64 // opening handshake bytes received
	PreopenWireOctetsOut                  uint64 // opening handshake bytes sent
}

// IncomingCompressionRatio is WebSocket-level over application-level
// bytes received (compressed size over uncompressed size: below 1 when
// compression helped), as Autobahn's incomingCompressionRatio. ok is false
// (Autobahn: None) before any application byte was received.
func (s TrafficStats) IncomingCompressionRatio() (ratio float64, ok bool) {
	return ratio2(s.WebSocketOctetsIn, s.AppOctetsIn)
}

// OutgoingCompressionRatio is IncomingCompressionRatio's counterpart for
// bytes sent (Autobahn's outgoingCompressionRatio).
func (s TrafficStats) OutgoingCompressionRatio() (ratio float64, ok bool) {
	return ratio2(s.WebSocketOctetsOut, s.AppOctetsOut)
}

// IncomingWebSocketOverhead is the framing overhead of what was received:
// wire bytes that are not payload over payload bytes (Autobahn's
// incomingWebSocketOverhead). ok is false before any payload byte.
func (s TrafficStats) IncomingWebSocketOverhead() (overhead float64, ok bool) {
	return ratio2(s.WireOctetsIn-s.WebSocketOctetsIn, s.WebSocketOctetsIn)
}

// OutgoingWebSocketOverhead is IncomingWebSocketOverhead for bytes sent
// (Autobahn's outgoingWebSocketOverhead).
func (s TrafficStats) OutgoingWebSocketOverhead() (overhead float64, ok bool) {
	return ratio2(s.WireOctetsOut-s.WebSocketOctetsOut, s.WebSocketOctetsOut)
}

func ratio2(a, b uint64) (float64, bool) {
	if b == 0 {
		return 0, false
	}
	return float64(a) / float64(b), true
}

// statCounters are the live counters behind Stats.
type statCounters struct {
	wireIn, wireOut       atomic.Uint64
	wsIn, wsOut           atomic.Uint64
	appIn, appOut         atomic.Uint64
	framesIn, framesOut   atomic.Uint64
	msgsIn, msgsOut       atomic.Uint64
	controlIn, controlOut atomic.Uint64
	preopenIn, preopenOut atomic.Uint64
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
		PreopenWireOctetsIn: s.preopenIn.Load(), PreopenWireOctetsOut: s.preopenOut.Load(),
	}
}

// ResetStats sets every traffic counter back to zero, the pre-open ones
// included (Autobahn's trafficStats.reset()), and returns the counts it
// cleared. Counting goes on from there; traffic at the same moment is
// counted either in the returned snapshot or after it (each counter is
// swapped atomically, but not all of them together).
func (c *Conn) ResetStats() TrafficStats {
	s := &c.stats
	return TrafficStats{
		WireOctetsIn: s.wireIn.Swap(0), WireOctetsOut: s.wireOut.Swap(0),
		WebSocketOctetsIn: s.wsIn.Swap(0), WebSocketOctetsOut: s.wsOut.Swap(0),
		AppOctetsIn: s.appIn.Swap(0), AppOctetsOut: s.appOut.Swap(0),
		FramesIn: s.framesIn.Swap(0), FramesOut: s.framesOut.Swap(0),
		MessagesIn: s.msgsIn.Swap(0), MessagesOut: s.msgsOut.Swap(0),
		ControlFramesIn: s.controlIn.Swap(0), ControlFramesOut: s.controlOut.Swap(0),
		PreopenWireOctetsIn: s.preopenIn.Swap(0), PreopenWireOctetsOut: s.preopenOut.Swap(0),
	}
}
