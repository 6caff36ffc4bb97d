package ws

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGoroutineIDDistinguishesGoroutines(t *testing.T) {
	here := goroutineID()
	require.NotZero(t, here)
	assert.Equal(t, here, goroutineID(), "stable within one goroutine")
	other := make(chan uint64)
	go func() { other <- goroutineID() }()
	there := <-other
	require.NotZero(t, there)
	assert.NotEqual(t, here, there)
}
