package ws

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// pmdPair returns deflate codecs for a sender with p and its peer.
func pmdPair(p deflateParams) (send, recv *deflateCodec) {
	p.setCommon(&DeflateOptions{Threshold: p.threshold, TakeoverHistory: p.sendHistory})
	q := p
	q.recvNoTakeover, q.recvWindowBits = p.sendNoTakeover, p.sendWindowBits
	q.sendHistory = 0
	return newDeflateCodec(p), newDeflateCodec(q)
}

// TestPreparedCompressedRawPeer: which connections get the shared
// compressed frame, and that an independent inflater (compress/flate)
// gets the payload back, from a server and from a masking client.
func TestPreparedCompressedRawPeer(t *testing.T) {
	payload := bytes.Repeat([]byte("prepared message, compressed once. "), 40)
	for _, tc := range []struct {
		name       string
		p          deflateParams
		server     bool
		compressed bool
	}{
		{"server no takeover", deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvNoTakeover: true, recvWindowBits: 15}, true, true},
		{"server no takeover 9 bits", deflateParams{sendNoTakeover: true, sendWindowBits: 9, recvNoTakeover: true, recvWindowBits: 15}, true, true},
		{"client no takeover", deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvNoTakeover: true, recvWindowBits: 15}, false, true},
		{"server takeover", deflateParams{sendWindowBits: 15, recvWindowBits: 15}, true, false},
		{"below threshold", deflateParams{sendNoTakeover: true, sendWindowBits: 15, recvNoTakeover: true, recvWindowBits: 15, threshold: 100000}, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tcpPair(t)
			send, _ := pmdPair(tc.p)
			c := engine(t, a, tc.server, testOpts(), nil, send)
			peer := newPeer(t, b, tc.server)
			pm, err := PrepareMessage(payload, false)
			require.NoError(t, err)
			for i := range 3 {
				if i == 1 {
					require.NoError(t, c.SendPreparedAsync(pm))
				} else {
					require.NoError(t, c.SendPrepared(pm))
				}
				f := peer.mustRead()
				require.Equal(t, OpText, f.op)
				require.True(t, f.fin)
				require.Equal(t, !tc.server, f.masked)
				got := f.payload
				if tc.compressed {
					require.Equal(t, byte(4), f.rsv, "want RSV1")
					require.Less(t, len(got), len(payload)/4)
					got = inflate(t, got)
				} else {
					require.Equal(t, byte(0), f.rsv)
				}
				require.Equal(t, payload, got)
			}
			if vs := pm.variants.Load(); tc.compressed {
				require.NotNil(t, vs)
				require.Len(t, *vs, 1, "compressed more than once")
				require.Equal(t, tc.p.sendWindowBits, (*vs)[0].bits)
			} else {
				require.Nil(t, vs, "compressed for a connection that cannot share it")
			}
			st := c.Stats()
			require.EqualValues(t, 3*len(payload), st.AppOctetsOut)
			require.EqualValues(t, 3, st.MessagesOut)
		})
	}
}

// TestPreparedCompressedSharedAcrossConns: one compression per window
// size across many connections; each of our own clients inflates it, and
// with TakeoverHistory the connection's next own message (which refers
// back into the prepared one) still inflates right.
func TestPreparedCompressedSharedAcrossConns(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789abcdef broadcast "), 100)
	pm, err := PrepareMessage(payload, true)
	require.NoError(t, err)
	type side struct {
		srv *Conn
		h   *recHandler
	}
	var sides []side
	params := []deflateParams{
		{sendNoTakeover: true, sendWindowBits: 15, recvNoTakeover: true, recvWindowBits: 15},
		{sendNoTakeover: true, sendWindowBits: 15, recvNoTakeover: true, recvWindowBits: 15},
		{sendNoTakeover: true, sendWindowBits: 12, recvNoTakeover: true, recvWindowBits: 15},
		{sendWindowBits: 15, recvWindowBits: 15, sendHistory: 4096},
		{sendWindowBits: 15, recvWindowBits: 15, sendHistory: 4096},
	}
	for _, p := range params {
		a, b := tcpPair(t)
		send, recv := pmdPair(p)
		h := newRec()
		sides = append(sides, side{engine(t, a, true, testOpts(), nil, send), h})
		engine(t, b, false, testOpts(), h, recv)
	}
	var conns []*Conn
	for _, s := range sides {
		conns = append(conns, s.srv)
	}
	require.Equal(t, BroadcastResult{Delivered: len(params)}, Broadcast(conns, pm))
	// A message of the connection's own that repeats the prepared one.
	own := append(append([]byte{}, payload[:500]...), []byte(" and more")...)
	for i, s := range sides {
		require.NoError(t, s.srv.SendMessage(own, true), "conn %d", i)
	}
	for i, s := range sides {
		m := s.h.nextMsg(t)
		require.True(t, m.isBinary)
		require.Equal(t, payload, m.payload, "conn %d", i)
		m = s.h.nextMsg(t)
		require.Equal(t, own, m.payload, "conn %d own message", i)
		require.Less(t, s.srv.Stats().WebSocketOctetsOut, uint64(len(payload)/2), "conn %d sent it uncompressed", i)
	}
	vs := pm.variants.Load()
	require.NotNil(t, vs)
	var got []string
	for _, v := range *vs {
		got = append(got, fmt.Sprintf("%d/%d", v.level, v.bits))
	}
	require.ElementsMatch(t, []string{fmt.Sprintf("%d/15", DefaultDeflateLevel), fmt.Sprintf("%d/12", DefaultDeflateLevel)}, got)
}
