//go:build cgo && amd64 && !windows && !asan && !msan

package nvx

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"unicode/utf8"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
	"github.com/autobahn-go/autobahn/nvx/internal/ref"
)

// This build (optimised, no sanitizer) validates with direct calls too,
// unless LD_BIND_NOT keeps the loader from binding memcpy for good.
func TestDirectUTF8CallInUse(t *testing.T) {
	if os.Getenv("LD_BIND_NOT") != "" {
		require.False(t, directUTF8Call)
		return
	}
	require.True(t, directUTF8Call)
	require.NotZero(t, directValidateFn)
	require.NotZero(t, directFusedFn)
}

// utf8Result is one validation result, with the state left behind, for
// comparing paths.
type utf8Result struct {
	valid, ends bool
	cur, total  int
	state       goimpl.Utf8Validator
}

// validateAllPaths validates chunk on a copy of start with every way the
// package has (the direct call in chunks of chunk bytes, the direct call
// as nativeValidate makes it, cgo, pure Go) and checks that they agree on
// the result and the state they leave; it returns the pure-Go one.
func validateAllPaths(t *testing.T, start goimpl.Utf8Validator, b []byte, chunk int) utf8Result {
	t.Helper()
	run := func(name string) utf8Result {
		v := start
		var r utf8Result
		switch name {
		case "go":
			r.valid, r.ends, r.cur, r.total = v.Validate(b, false)
		case "cgo":
			r.valid, r.ends, r.cur, r.total = cgoValidate(&v, b)
		case "native":
			r.valid, r.ends, r.cur, r.total = nativeValidate(&v, b)
		case "direct":
			if len(b) == 0 {
				r.valid, r.ends, r.cur, r.total = v.Validate(b, false)
			} else {
				r.valid, r.ends, r.cur, r.total = directValidate(unsafe.Pointer(&v), b, chunk)
			}
		}
		r.state = v
		return r
	}
	want := run("go")
	for _, name := range utf8PathNames() {
		if got := run(name); got != want {
			t.Fatalf("%s (chunk %d) %+v, go %+v on %x (start %+v)", name, chunk, got, want, b, start)
		}
	}
	return want
}

// fusedAllPaths does the same for the fused unmask-and-validate: every
// path must unmask all of the masked copy of plain and report the
// validation pure Go gives on plain.
func fusedAllPaths(t *testing.T, start goimpl.Utf8Validator, plain []byte, key [4]byte, pos, chunk int) {
	t.Helper()
	masked := bytes.Clone(plain)
	wantNext := ref.XorMask(masked, key, pos)
	gv := start
	var want utf8Result
	want.valid, want.ends, want.cur, want.total = gv.Validate(plain, false)
	want.state = gv
	for _, name := range utf8PathNames() {
		b := bytes.Clone(masked)
		v := start
		var got utf8Result
		var next int
		switch name {
		case "cgo":
			next, got.valid, got.ends, got.cur, got.total = cgoXorMaskValidate(b, key, pos, &v)
		case "native":
			next, got.valid, got.ends, got.cur, got.total = nativeXorMaskValidate(b, key, pos, &v)
		case "direct":
			if len(b) == 0 {
				next, got.valid, got.ends, got.cur, got.total = nativeXorMaskValidate(b, key, pos, &v)
			} else {
				next, got.valid, got.ends, got.cur, got.total = directXorMaskValidate(b, key, pos, unsafe.Pointer(&v), chunk)
			}
		}
		got.state = v
		if got != want || next != wantNext || !bytes.Equal(b, plain) {
			t.Fatalf("%s (chunk %d): %+v next %d unmasked %v, want %+v next %d, on %x (start %+v)",
				name, chunk, got, next, bytes.Equal(b, plain), want, wantNext, plain, start)
		}
	}
}

// utf8PathNames are the paths validateAllPaths and fusedAllPaths compare
// with pure Go: the chunked direct call only where it is in use.
func utf8PathNames() []string {
	if !directUTF8Call {
		return []string{"cgo", "native"}
	}
	return []string{"cgo", "native", "direct"}
}

// utf8Starts are validator states to start from: fresh, inside each kind
// of code point, and rejected.
func utf8Starts() []goimpl.Utf8Validator {
	var out []goimpl.Utf8Validator
	for _, prefix := range []string{"", "a", "\xC3", "\xE4", "\xE4\xB8", "\xF0", "\xF0\x9F", "\xF0\x9F\x98", "\xFF"} {
		var v goimpl.Utf8Validator
		v.Validate([]byte(prefix), false)
		out = append(out, v)
	}
	return out
}

// Chunk boundaries fall inside code points of every length, before and
// after invalid bytes, from every start state: the chunked direct call
// (small chunks here, as well as the real one) agrees with cgo and pure
// Go on the result and the state, and with the reference on one-shot
// input.
func TestDirectValidateChunkBoundaries(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	starts := utf8Starts()
	for iter := 0; iter < 1500; iter++ {
		b := randomText(rng, rng.IntN(400), iter%3 == 0)
		if iter%5 == 0 && len(b) > 0 { // a truncated code point at the end
			b = b[:rng.IntN(len(b))]
		}
		chunk := 1 + rng.IntN(80)
		for _, start := range starts {
			validateAllPaths(t, start, b, chunk)
			fusedAllPaths(t, start, b, testKey, rng.IntN(4), chunk)
		}
		var fresh goimpl.Utf8Validator
		r := validateAllPaths(t, fresh, b, chunk)
		valid, ends, idx := ref.Validate(b)
		require.Equal(t, []any{valid, ends, idx}, []any{r.valid, r.ends, r.total}, "%x", b)
		require.Equal(t, utf8.Valid(b), nativeValidUTF8(b), "%x", b)
	}
}

// Around the real chunk size: buffers of one to three chunks and a few
// bytes, with a 2-, 3- or 4-byte code point, an invalid byte or a
// truncated code point at each offset around the chunk boundaries (after
// a run of 2-byte code points), from a fresh state and from inside a code
// point.
func TestDirectValidateRealChunks(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	const c = directUTF8Chunk
	specials := []string{"é", "世", "😀", "\xFF", "\xED\xA0\x80", "\xC3"}
	for _, n := range []int{c - 1, c, c + 1, 2*c + 3, 3 * c} {
		for _, at := range []int{c - 4, c - 3, c - 2, c - 1, c, c + 1, 2*c - 2, 2 * c} {
			for _, sp := range specials {
				if at+len(sp) > n {
					continue
				}
				b := bytes.Repeat([]byte("a"), n)
				for i := at - 2; i >= max(at-40, 0); i -= 2 { // é up to the special
					copy(b[i:], "é")
				}
				copy(b[at:], sp)
				for _, start := range utf8Starts()[:3] {
					validateAllPaths(t, start, b, c)
					fusedAllPaths(t, start, b, testKey, at&3, c)
				}
				require.Equal(t, utf8.Valid(b), nativeValidUTF8(b), "n %d at %d %q", n, at, sp)
			}
		}
	}
}

// A stream cut into random pieces, each validated by the chunked direct
// call with its own chunk size, ends where one pure-Go call ends.
func TestDirectValidateStreamed(t *testing.T) {
	if !directUTF8Call {
		t.Skip("no direct call")
	}
	rng := rand.New(rand.NewPCG(23, 24))
	for iter := 0; iter < 400; iter++ {
		b := randomText(rng, rng.IntN(3000), iter%4 == 0)
		var dv, gv goimpl.Utf8Validator
		wantValid, wantEnds, _, wantTotal := gv.Validate(b, false)
		var valid, ends bool
		var total int
		for off := 0; off < len(b); {
			n := min(1+rng.IntN(700), len(b)-off)
			valid, ends, _, total = directValidate(unsafe.Pointer(&dv), b[off:off+n], 1+rng.IntN(300))
			off += n
		}
		if len(b) == 0 {
			continue
		}
		require.Equal(t, []any{wantValid, wantEnds, wantTotal, gv}, []any{valid, ends, total, dv}, "%x", b)
	}
}

// FuzzDirectValidate: the direct calls in chunks of 1 to 64 bytes, from a
// start state the input picks, agree with cgo and pure Go (results and
// state), for validation and for the fused unmask-and-validate.
func FuzzDirectValidate(f *testing.F) {
	for _, c := range ref.Cases {
		f.Add([]byte(c.In), uint8(3), uint8(1), uint8(0))
	}
	f.Add(bytes.Repeat([]byte("é世😀a"), 40), uint8(7), uint8(2), uint8(5))
	starts := utf8Starts()
	f.Fuzz(func(t *testing.T, b []byte, chunk, pos, start uint8) {
		s := starts[int(start)%len(starts)]
		validateAllPaths(t, s, b, 1+int(chunk)%64)
		fusedAllPaths(t, s, b, testKey, int(pos), 1+int(chunk)%64)
	})
}

// validateDirect validates b directly (and unmasks and validates a copy),
// the leaf of TestDirectValidateStackDepths.
func validateDirect(b []byte) string {
	var v, w goimpl.Utf8Validator
	valid, ends, cur, total := nativeValidate(&v, b)
	m := bytes.Clone(b)
	ref.XorMask(m, testKey, 1)
	next, fv, fe, fc, ft := nativeXorMaskValidate(m, testKey, 1, &w)
	return fmt.Sprint(valid, ends, cur, total, next, fv, fe, fc, ft, bytes.Equal(m, b))
}

// The C validator stays within the stack the direct call gives it,
// wherever a fresh goroutine's stack ends.
func TestDirectValidateStackDepths(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	b := randomText(rng, 5000, false)
	var v goimpl.Utf8Validator
	valid, ends, cur, total := v.Validate(b, false)
	want := fmt.Sprint(valid, ends, cur, total, (1+len(b))%4, valid, ends, cur, total, true)
	for depth := 0; depth < 120; depth++ {
		var got string
		done := make(chan struct{})
		go func() {
			defer close(done)
			atDepth(t, depth, func() { got = validateDirect(b) })
		}()
		<-done
		require.Equal(t, want, got, "depth %d", depth)
	}
}

// The direct validation stays correct under a CPU profile, garbage
// collections and more busy goroutines than Ps, as the masking does
// (TestDirectMaskUnderSignals).
func TestDirectValidateUnderSignals(t *testing.T) {
	underSignals(t, 98, 150, func(rng *rand.Rand, iter int) string {
		plain := randomText(rng, 1+rng.IntN(3*directUTF8Chunk), iter%3 == 0)
		var gv, dv, fv goimpl.Utf8Validator
		want := fmt.Sprint(gv.Validate(plain, false))
		if got := fmt.Sprint(nativeValidate(&dv, plain)); got != want {
			return "validate: " + got + " want " + want
		}
		masked := bytes.Clone(plain)
		pos := rng.IntN(4)
		wantNext := ref.XorMask(masked, testKey, pos)
		next, valid, ends, cur, total := nativeXorMaskValidate(masked, testKey, pos, &fv)
		if got := fmt.Sprint(valid, ends, cur, total); got != want || next != wantNext || !bytes.Equal(masked, plain) {
			return "fused: " + got + " want " + want
		}
		return ""
	})
}
