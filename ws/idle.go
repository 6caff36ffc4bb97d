package ws

import (
	crand "crypto/rand"
	"math/rand/v2"
)

// What an idle connection holds, and what it does not (issue 9): the
// engine reads through a connReader, which holds no buffer between
// messages (connreader.go); the opening handshake's buffers (net/http's
// hijacked bufio.ReadWriter, Dial's 4 KiB reader) are dropped once the
// bytes past the handshake are copied out; connections whose OnConnect
// gives no Options of their own share the server's copy; and what only
// some connections need is made on first need, as the masking-key
// generator below (a server does not mask, so its connections never make
// one).

// maskRNG returns the connection's masking-key generator, seeding it on
// first use. Call with wmu held (as newMaskKey is).
func (c *Conn) maskRNG() *rand.ChaCha8 {
	if c.rng == nil {
		var seed [32]byte
		_, _ = crand.Read(seed[:])
		c.rng = rand.NewChaCha8(seed)
	}
	return c.rng
}
