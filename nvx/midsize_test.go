package nvx

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

// Around and between the thresholds in use (where the routing changes: Go,
// Go unmasking with C validation, one fused C call), XorMaskValidate and
// Validate agree with the reference on ASCII, Latin, CJK and mixed text,
// valid or with a bad byte first, last or in the middle, fed whole or in
// two chunks that split a code point, at every key offset.
func TestMidSizeRouting(t *testing.T) {
	th := ThresholdsInUse()
	var sizes []int
	for _, s := range []int{th.UTF8, th.UTF8ASCII, th.Fused, th.FusedASCII, th.UTF8Lead, th.Mask, UTF8Threshold, UTF8ASCIIThreshold, FusedASCIIThreshold} {
		sizes = append(sizes, max(s-1, 0), s, s+1, s+7)
	}
	sizes = append(sizes, 16, 100, 200, 300, 700, 1500, 2500)
	texts := map[string]string{
		"ascii": strings.Repeat("the plain words of a json event, ", 200),
		"latin": strings.Repeat("Die Straße und das Haus, le garçon et la forêt. ", 200),
		"cjk":   strings.Repeat("网络协议的消息验证。", 400),
		"mixed": strings.Repeat("ascii words then ünïcödé and 世界 here ", 200),
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for name, text := range texts {
		for _, n := range sizes {
			for _, bad := range []string{"none", "first", "middle", "last"} {
				plain := []byte(text[:n])
				switch {
				case n == 0 || bad == "none":
				case bad == "first":
					plain[0] = 0xFF
				case bad == "middle":
					plain[n/2] = 0xC0
				default:
					plain[n-1] = 0xF5
				}
				valid, ends, idx := ref.Validate(plain)
				cut := rng.IntN(n + 1)
				for pos := 0; pos < 4; pos++ {
					masked := bytes.Clone(plain)
					ref.XorMask(masked, testKey, pos)
					v := NewUtf8Validator()
					next, gv, ge, _, gt := XorMaskValidate(masked[:cut], testKey, pos, v)
					next, gv, ge, _, gt = XorMaskValidate(masked[cut:], testKey, next, v)
					require.Equal(t, []any{(pos + n) % 4, valid, ends, idx}, []any{next, gv, ge, gt}, "%s n=%d bad=%s cut=%d pos=%d", name, n, bad, cut, pos)
					require.Equal(t, plain, masked, "%s n=%d: all of it unmasked", name, n)

					v.Reset()
					next, gv, ge, gc, gt := XorMaskValidate(bytes.Clone(masked2(plain, pos)), testKey, pos, v)
					pv := purego.NewUtf8Validator()
					wv, we, wc, wt := pv.Validate(plain)
					require.Equal(t, []any{(pos + n) % 4, wv, we, wc, wt}, []any{next, gv, ge, gc, gt}, "%s n=%d bad=%s pos=%d, whole", name, n, bad, pos)

					v.Reset()
					gv, ge, _, gt = v.Validate(plain[:cut])
					gv, ge, _, gt = v.Validate(plain[cut:])
					require.Equal(t, []any{valid, ends, idx}, []any{gv, ge, gt}, "%s n=%d bad=%s cut=%d: Validate", name, n, bad, cut)
					require.Equal(t, valid && ends, ValidUTF8(plain), "%s n=%d bad=%s: ValidUTF8", name, n, bad)
				}
			}
		}
	}
}

// masked2 is plain masked with testKey from offset pos, in a new buffer.
func masked2(plain []byte, pos int) []byte {
	b := bytes.Clone(plain)
	ref.XorMask(b, testKey, pos)
	return b
}
