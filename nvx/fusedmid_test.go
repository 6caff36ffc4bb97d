package nvx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/ref"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

// Between the fused thresholds, XorMaskValidate unmasks the leading ASCII
// in Go and hands the rest to C from the block holding the first non-ASCII
// byte. With that byte at every third (or 29th) position of an ASCII
// buffer (a whole, invalid, cut or accented code point; followed by ASCII,
// Latin or CJK), at sizes around the thresholds in use, every key offset,
// whole or in two chunks, the results equal the reference and the pure-Go
// ones: key offset, valid, endsOnCodepoint, current and total index, bytes
// unmasked.
func TestFusedMidFirstNonASCII(t *testing.T) {
	th := ThresholdsInUse()
	sizes := []int{FusedThreshold, 200, 333}
	if th.Fused > 0 {
		sizes = append(sizes, th.Fused, th.Fused+3, th.FusedASCII-1, th.FusedASCII-5)
	}
	inserts := []string{"é", "世", "😀", "\xff", "\xe4\xb8", "\xed\xa0\x80", "\xc0\x80"}
	// Lead and tails are longer than the largest size (FusedASCII may be
	// measured as large as 16 KiB).
	longest := 0
	for _, n := range sizes {
		longest = max(longest, n)
	}
	long := func(s string) string { return strings.Repeat(s, longest/len(s)+1) }
	tails := map[string]string{
		"ascii": long("plain json text, "),
		"latin": long("la forêt et le garçon, die Straße, "),
		"cjk":   long("网络协议的消息验证。"),
	}
	lead := long("the words of an event, ")
	for tailName, tail := range tails {
		for _, n := range sizes {
			// Steps prime to 64, so the byte comes at every offset within
			// a word and a block (race builds run this test too).
			step := 3
			if n > 400 {
				step = 29
			}
			for at := 0; at < n; at += step {
				for _, ins := range inserts {
					plain := []byte(lead[:at] + ins + tail)[:n]
					valid, ends, idx := ref.Validate(plain)
					pv := purego.NewUtf8Validator()
					wv, we, wc, wt := pv.Validate(plain)
					for pos := 0; pos < 4; pos++ {
						masked := masked2(plain, pos)
						v := NewUtf8Validator()
						next, gv, ge, gc, gt := XorMaskValidate(masked, testKey, pos, v)
						require.Equal(t, []any{(pos + n) % 4, wv, we, wc, wt}, []any{next, gv, ge, gc, gt},
							"%s n=%d at=%d ins=%q pos=%d: whole", tailName, n, at, ins, pos)
						require.Equal(t, []any{valid, ends, idx}, []any{gv, ge, gt}, "reference, n=%d at=%d ins=%q", n, at, ins)
						require.True(t, bytes.Equal(plain, masked), "n=%d at=%d ins=%q pos=%d: all unmasked", n, at, ins, pos)

						if pos != 1 {
							continue
						}
						// Split just after the inserted bytes begin: the
						// second chunk starts inside a code point.
						cut := min(at+1, n)
						masked = masked2(plain, pos)
						v.Reset()
						next, _, _, _, _ = XorMaskValidate(masked[:cut], testKey, pos, v)
						next, gv, ge, _, gt = XorMaskValidate(masked[cut:], testKey, next, v)
						require.Equal(t, []any{(pos + n) % 4, valid, ends, idx}, []any{next, gv, ge, gt},
							"%s n=%d at=%d ins=%q cut=%d", tailName, n, at, ins, cut)
						require.True(t, bytes.Equal(plain, masked), "n=%d at=%d cut=%d: all unmasked", n, at, cut)
					}
				}
			}
		}
	}
}
