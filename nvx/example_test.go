package nvx_test

import (
	"fmt"

	"github.com/autobahn-go/autobahn/nvx"
)

// A client-masked text frame arrives in two reads; unmask and validate each
// part in one pass, carrying the key offset and the validator across.
func Example() {
	key := [4]byte{0x11, 0x22, 0x33, 0x44}
	payload := []byte("grüße, 世界")
	nvx.XorMask(payload, key, 0) // what the client sent

	v := nvx.NewUtf8Validator()
	pos := 0
	for _, part := range [][]byte{payload[:3], payload[3:]} { // splits "ü"
		var valid, whole bool
		pos, valid, whole, _, _ = nvx.XorMaskValidate(part, key, pos, v)
		fmt.Println(valid, whole)
	}
	fmt.Println(string(payload))
	// Output:
	// true false
	// true true
	// grüße, 世界
}
