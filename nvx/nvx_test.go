package nvx

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"unicode/utf8"

	"github.com/klauspost/cpuid/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
	"github.com/autobahn-go/autobahn/nvx/internal/ref"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

var testKey = [4]byte{0x37, 0xFA, 0x21, 0x3D}

// maskImpls are every way this module masks; all must equal the reference.
var maskImpls = map[string]func([]byte, [4]byte, int) int{
	"nvx":    XorMask,
	"native": NativeXorMask,
	"purego": purego.XorMask,
	"fused": func(b []byte, k [4]byte, pos int) int {
		next, _, _, _, _ := XorMaskValidate(b, k, pos, NewUtf8Validator())
		return next
	},
	"native-fused": func(b []byte, k [4]byte, pos int) int {
		next, _, _, _, _ := NativeXorMaskValidate(b, k, pos, NewUtf8Validator())
		return next
	},
}

// Every length 0..300 at every key offset and several alignments, as a
// sub-slice of a larger buffer whose guard bytes must stay untouched.
func TestXorMask(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const guard = 32
	for name, mask := range maskImpls {
		t.Run(name, func(t *testing.T) {
			for n := 0; n <= 300; n++ {
				for pos := 0; pos < 6; pos++ {
					for _, align := range []int{0, 1, 3, 7, 8, 13, 31} {
						buf := make([]byte, guard+align+n+guard)
						for i := range buf {
							buf[i] = byte(rng.Uint32())
						}
						want := bytes.Clone(buf)
						ref.XorMask(want[guard+align:guard+align+n], testKey, pos)
						next := mask(buf[guard+align:guard+align+n], testKey, pos)
						require.Equal(t, (pos+n)%4, next, "n=%d pos=%d", n, pos)
						require.Equal(t, want, buf, "n=%d pos=%d align=%d", n, pos, align)
					}
				}
			}
		})
	}
}

func TestXorMaskLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{4095, 65536 + 3, 1<<20 + 17} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		for name, mask := range maskImpls {
			got, want := bytes.Clone(buf), bytes.Clone(buf)
			ref.XorMask(want, testKey, 2)
			assert.Equal(t, (2+n)%4, mask(got, testKey, 2), name)
			assert.True(t, bytes.Equal(want, got), "%s n=%d", name, n)
		}
	}
}

// validators are the incremental validators under test, each in its start state.
var validators = map[string]func() func([]byte) (bool, bool, int, int){
	"nvx":    func() func([]byte) (bool, bool, int, int) { return NewUtf8Validator().Validate },
	"native": func() func([]byte) (bool, bool, int, int) { return NewUtf8Validator().NativeValidate },
	"purego": func() func([]byte) (bool, bool, int, int) { return purego.NewUtf8Validator().Validate },
}

func TestValidateCases(t *testing.T) {
	for _, c := range ref.Cases {
		for name, mk := range validators {
			valid, ends, cur, total := mk()([]byte(c.In))
			assert.Equal(t, []any{c.Valid, c.Ends, c.Index, c.Index}, []any{valid, ends, cur, total}, "%s: %s", name, c.Name)
		}
		want := utf8.ValidString(c.In)
		assert.Equal(t, want, ValidUTF8([]byte(c.In)), c.Name)
		assert.Equal(t, want, NativeValidUTF8([]byte(c.In)), c.Name)
		assert.Equal(t, want, purego.ValidUTF8([]byte(c.In)), c.Name)
	}
}

// Edge cases embedded at every offset of a long buffer, so vector kernels
// meet them at every lane and across block boundaries.
func TestValidateCasesAtEveryOffset(t *testing.T) {
	filler := bytes.Repeat([]byte("a"), 200)
	for _, c := range ref.Cases {
		for off := 0; off < 140; off++ {
			in := append(append(bytes.Clone(filler[:off]), c.In...), filler[:70]...)
			valid, ends, idx := ref.Validate(in)
			for name, mk := range validators {
				gv, ge, gc, gt := mk()(in)
				if gv != valid || ge != ends || gc != idx || gt != idx {
					t.Fatalf("%s %s off=%d: got (%v,%v,%d,%d) want (%v,%v,%d)", name, c.Name, off, gv, ge, gc, gt, valid, ends, idx)
				}
			}
			require.Equal(t, utf8.Valid(in), ValidUTF8(in))
			require.Equal(t, utf8.Valid(in), NativeValidUTF8(in))
		}
	}
}

func TestStaysInvalidUntilReset(t *testing.T) {
	for name, impl := range map[string]func(*Utf8Validator, []byte) (bool, bool, int, int){
		"nvx":    (*Utf8Validator).Validate,
		"native": (*Utf8Validator).NativeValidate,
	} {
		v := NewUtf8Validator()
		valid, _, cur, total := impl(v, []byte("ok \xED\xA0\x80 then text"))
		require.False(t, valid, name)
		require.Equal(t, 4, cur, name)
		require.Equal(t, 4, total, name)
		for _, next := range []string{"", "a", "\xC3\xA9", string(bytes.Repeat([]byte("long valid text "), 40))} {
			valid, ends, cur, total := impl(v, []byte(next))
			assert.Equal(t, []any{false, false, 0, 4}, []any{valid, ends, cur, total}, "%s after %q", name, next)
			_, valid, ends, cur, total = XorMaskValidate([]byte(next), testKey, 0, v)
			assert.Equal(t, []any{false, false, 0, 4}, []any{valid, ends, cur, total}, "%s fused after %q", name, next)
		}
		v.Reset()
		valid, ends, cur, total := impl(v, []byte("ok"))
		assert.Equal(t, []any{true, true, 2, 2}, []any{valid, ends, cur, total}, name)
	}
}

func TestZeroValueValidator(t *testing.T) {
	var v Utf8Validator
	valid, ends, cur, total := v.Validate([]byte("z\xC3\xBC"))
	assert.Equal(t, []any{true, true, 3, 3}, []any{valid, ends, cur, total})
}

// randomText is mostly-valid UTF-8 of 1..4-byte code points, long ASCII
// runs included, with an optional corrupted byte.
func randomText(rng *rand.Rand, n int, corrupt bool) []byte {
	var b []byte
	for len(b) < n {
		switch rng.IntN(5) {
		case 0:
			b = append(b, "plain ascii run of text "[:rng.IntN(24)]...)
		case 1:
			b = utf8.AppendRune(b, rune(0x80+rng.IntN(0x800-0x80)))
		case 2:
			b = utf8.AppendRune(b, rune(0x800+rng.IntN(0xD800-0x800)))
		case 3:
			b = utf8.AppendRune(b, rune(0xE000+rng.IntN(0x10000-0xE000)))
		default:
			b = utf8.AppendRune(b, rune(0x10000+rng.IntN(0x100000)))
		}
	}
	if corrupt && len(b) > 0 {
		b[rng.IntN(len(b))] = byte(rng.Uint32())
	}
	return b
}

// step is one call on a validator: through the public API (thresholded),
// straight to C, or straight to the pure-Go code on the same state.
type step int

const (
	stepAPI step = iota
	stepNative
	stepPurego
	stepFused
	nSteps
)

// feed runs b through v in chunks, each with the path from paths, checks
// the per-call contract and returns the last result.
func feed(t testing.TB, v *Utf8Validator, b []byte, sizes []int, paths []step) (valid, ends bool, total int) {
	t.Helper()
	v.Reset()
	valid, ends = true, true
	off := 0
	for k := 0; off < len(b) || k == 0; k++ {
		n := len(b) - off
		if k < len(sizes) {
			n = min(sizes[k], n)
		}
		chunk := b[off : off+n]
		wasValid := valid
		var cur int
		switch paths[k%len(paths)] {
		case stepAPI:
			valid, ends, cur, total = v.Validate(chunk)
		case stepNative:
			valid, ends, cur, total = v.NativeValidate(chunk)
		case stepPurego:
			valid, ends, cur, total = v.g.Validate(chunk, false)
		case stepFused:
			masked := bytes.Clone(chunk)
			ref.XorMask(masked, testKey, k)
			var next int
			next, valid, ends, cur, total = XorMaskValidate(masked, testKey, k, v)
			if next != (k+n)%4 || !bytes.Equal(masked, chunk) {
				t.Fatalf("fused unmask wrong at chunk %d", k)
			}
		}
		switch {
		case !wasValid && (valid || ends || cur != 0):
			t.Fatalf("chunk %d: recovered after invalid", k)
		case valid && cur != n:
			t.Fatalf("chunk %d: valid but currentIndex %d != %d", k, cur, n)
		case wasValid && !valid && total != off+cur:
			t.Fatalf("chunk %d: totalIndex %d != %d+%d", k, total, off, cur)
		case valid && total != off+n:
			t.Fatalf("chunk %d: totalIndex %d != %d", k, total, off+n)
		}
		off += n
	}
	return valid, ends, total
}

// One stream, chunks of random sizes (below and above every threshold),
// each validated by a randomly chosen path, must give the one-shot result:
// the Go and C sides share the validator state mid-stream.
func TestValidateMixedPathsRandomChunking(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	v := NewUtf8Validator()
	for iter := 0; iter < 1500; iter++ {
		b := randomText(rng, rng.IntN(1200), iter%3 == 0)
		valid, ends, idx := ref.Validate(b)
		var sizes []int
		var paths []step
		for s := 0; s < len(b); {
			var c int
			switch rng.IntN(3) {
			case 0:
				c = rng.IntN(5)
			case 1:
				c = rng.IntN(64)
			default:
				c = rng.IntN(600)
			}
			sizes = append(sizes, c)
			paths = append(paths, step(rng.IntN(int(nSteps))))
			s += c
		}
		paths = append(paths, step(rng.IntN(int(nSteps))))
		gv, ge, gt := feed(t, v, b, sizes, paths)
		require.Equal(t, []any{valid, ends, idx}, []any{gv, ge, gt}, "%x sizes=%v paths=%v", b, sizes, paths)
		require.Equal(t, utf8.Valid(b), ValidUTF8(b))
	}
}

// Both sides leave the same state after the same input, field by field.
func TestStateIdenticalAcrossPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for iter := 0; iter < 3000; iter++ {
		b := randomText(rng, rng.IntN(300), iter%4 == 0)
		b = b[:rng.IntN(len(b)+1)] // often ends inside a code point
		var pv goimpl.Utf8Validator
		pr := fmt.Sprint(pv.Validate(b, false))
		nv := NewUtf8Validator()
		nr := fmt.Sprint(nv.NativeValidate(b))
		require.Equal(t, pr, nr, "%x", b)
		require.Equal(t, pv, nv.g, "%x", b)
	}
}

func TestXorMaskValidateLarge(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, corrupt := range []bool{false, true} {
		plain := randomText(rng, 1<<18, corrupt)
		valid, ends, idx := ref.Validate(plain)
		for name, fused := range map[string]func([]byte, [4]byte, int, *Utf8Validator) (int, bool, bool, int, int){
			"nvx": XorMaskValidate, "native": NativeXorMaskValidate,
		} {
			masked := bytes.Clone(plain)
			ref.XorMask(masked, testKey, 1)
			next, gv, ge, gc, gt := fused(masked, testKey, 1, NewUtf8Validator())
			assert.Equal(t, []any{(1 + len(plain)) % 4, valid, ends, idx, idx}, []any{next, gv, ge, gc, gt}, name)
			assert.True(t, bytes.Equal(plain, masked), "%s: whole buffer unmasked", name)
		}
	}
}

func TestKernelAndSwitch(t *testing.T) {
	if !UsesNVX() {
		assert.Equal(t, "purego", Kernel())
		return
	}
	require.True(t, HasNVX)
	assert.Contains(t, []string{"avx512", "avx2", "sse2", "neon", "scalar"}, Kernel())
}

// With the native core, the kernel is the best this CPU has by cpuid.
func TestKernelMatchesCPU(t *testing.T) {
	if !HasNVX {
		t.Skip("no native core in this build")
	}
	k := kernel
	switch {
	case cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW):
		assert.Equal(t, "avx512", k)
	case cpuid.CPU.Supports(cpuid.AVX2):
		assert.Equal(t, "avx2", k)
	case cpuid.CPU.Supports(cpuid.SSE2):
		assert.Equal(t, "sse2", k)
	case runtime.GOARCH == "arm64":
		assert.Equal(t, "neon", k)
	default:
		assert.Equal(t, "scalar", k)
	}
}

// Text that starts with a run of ASCII and goes on in other scripts is
// split between Go (the ASCII words) and C (the rest) at mid sizes; an
// invalid byte anywhere must still be reported at its exact index, by
// Validate and by ValidUTF8, whatever the run's length.
func TestValidateASCIIRunThenText(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	tails := [][]byte{[]byte("Grüße, naïve café — "), []byte("世界のテキスト、"), []byte("emoji 😀 and ascii ")}
	for _, run := range []int{0, 7, 8, 56, 63, 64, 65, 120, 128, 300, 1000, 4000} {
		for _, tail := range tails {
			for _, n := range []int{UTF8Threshold, 200, 1000, UTF8ASCIIThreshold - 1, UTF8ASCIIThreshold + 100} {
				b := append(bytes.Repeat([]byte("a"), run), bytes.Repeat(tail, n/len(tail)+1)...)
				b = b[:max(n, run+1)]
				for len(b) > 0 && !utf8.Valid(b) { // cut on a code point
					b = b[:len(b)-1]
				}
				for _, bad := range []int{-1, run, run + rng.IntN(max(1, len(b)-run)), len(b) - 1} {
					c := bytes.Clone(b)
					if bad >= 0 && bad < len(c) {
						c[bad] = 0xFF
					}
					valid, ends, idx := ref.Validate(c)
					v := NewUtf8Validator()
					gv, ge, cur, total := v.Validate(c)
					name := fmt.Sprintf("run=%d n=%d bad=%d", run, len(c), bad)
					require.Equal(t, []any{valid, ends, idx}, []any{gv, ge, total}, name)
					if valid {
						require.Equal(t, len(c), cur, name)
					} else {
						require.Equal(t, idx, cur, name)
					}
					require.Equal(t, utf8.Valid(c), ValidUTF8(c), name)
				}
			}
		}
	}
}

// Masking runs the selected kernel's code, except that AVX-512 masks with
// AVX2 unless the CPU is one the C core's table lists (the Intel cores
// with family 6 model 0x8F or 0xCF): checked here against cpuid's own
// reading of the CPU.
func TestMaskKernelMatchesCPU(t *testing.T) {
	if !UsesNVX() {
		assert.Equal(t, "purego", MaskKernel())
		return
	}
	want := Kernel()
	if want == "avx512" {
		wide := cpuid.CPU.VendorID == cpuid.Intel && cpuid.CPU.Family == 6 &&
			(cpuid.CPU.Model == 0x8F || cpuid.CPU.Model == 0xCF)
		if !wide {
			want = "avx2"
		}
	}
	assert.Equal(t, want, MaskKernel())
}

// Every masking kernel the CPU has, forced in turn, masks exactly as the
// reference through the public API at sizes around and above
// MaskThreshold (where the native core is used).
func TestXorMaskEveryKernel(t *testing.T) {
	if !UsesNVX() {
		t.Skip("native core not in use")
	}
	routed := MaskKernel()
	defer func() { require.True(t, forceMaskKernel(routed)) }()
	rng := rand.New(rand.NewPCG(7, 8))
	for _, name := range []string{"scalar", "sse2", "avx2", "avx512", "neon"} {
		if !forceMaskKernel(name) {
			continue
		}
		require.Equal(t, name, MaskKernel())
		for _, n := range []int{1, 15, 16, 63, 64, 65, 1000, MaskThreshold - 1, MaskThreshold, MaskThreshold + 77, 64<<10 + 3} {
			for _, align := range []int{0, 1, 7, 33} {
				buf := make([]byte, align+n+16)
				for i := range buf {
					buf[i] = byte(rng.Uint32())
				}
				want := bytes.Clone(buf)
				wn := ref.XorMask(want[align:align+n], testKey, 3)
				require.Equal(t, wn, XorMask(buf[align:align+n], testKey, 3), "%s n=%d", name, n)
				require.Equal(t, want, buf, "%s n=%d align=%d", name, n, align)
				wn = ref.XorMask(want[align:align+n], testKey, 2)
				require.Equal(t, wn, NativeXorMask(buf[align:align+n], testKey, 2), "%s native n=%d", name, n)
				require.Equal(t, want, buf, "%s native n=%d align=%d", name, n, align)
			}
		}
	}
}
