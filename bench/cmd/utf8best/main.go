// Command utf8best times UTF-8 validation (or, with -fused, unmasking and
// validation in one call, the receive path of a client text frame) through
// nvx, the C core alone (nvx.NativeValidate, nvx.NativeXorMaskValidate)
// and package purego, on the text kinds of the benchmarks, as the best of
// many short interleaved trials: on a shared, loaded machine the best
// trial is the one nothing else interrupted, so the ratios stay meaningful
// where `go test -bench` medians swing (it complements make bench-nvx, it
// does not replace it). It is maskbest's twin for UTF-8.
//
//	go run ./bench/cmd/utf8best [-trials 200] [-fused] [-texts ascii,latin,cjk] [-sizes 16,64,...]
//
// Each trial runs one implementation for about 20,000 bytes' worth of
// calls on the same text; the implementations take turns trial by trial,
// in an order that rotates.
// The last columns are speed ratios (>1: the first is faster).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/autobahn-go/autobahn/bench"
	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

// fusedKey flips the lowest bit of every byte, which keeps the corpora
// valid UTF-8 of the same kind (see bench.BenchmarkMaskValidate), so every
// call unmasks and validates all of the buffer.
var fusedKey = [4]byte{1, 1, 1, 1}

type impl struct {
	name string
	fn   func(t []byte)
}

// impls are the implementations compared; the last, copy() of the same
// bytes into another buffer, is the memory-bandwidth yardstick.
func impls(fused bool, sink *[]byte) []impl {
	nv, pv := nvx.NewUtf8Validator(), purego.NewUtf8Validator()
	cp := impl{"copy", func(t []byte) { copy(*sink, t) }}
	if fused {
		return []impl{
			{"nvx", func(t []byte) { nv.Reset(); nvx.XorMaskValidate(t, fusedKey, 0, nv) }},
			{"native", func(t []byte) { nv.Reset(); nvx.NativeXorMaskValidate(t, fusedKey, 0, nv) }},
			{"purego", func(t []byte) { pv.Reset(); purego.XorMaskValidate(t, fusedKey, 0, pv) }},
			cp,
		}
	}
	return []impl{
		{"nvx", func(t []byte) { nv.Reset(); nv.Validate(t) }},
		{"native", func(t []byte) { nv.Reset(); nv.NativeValidate(t) }},
		{"purego", func(t []byte) { pv.Reset(); pv.Validate(t) }},
		cp,
	}
}

// best returns each implementation's best time per call on t.
func best(ims []impl, t []byte, trials int) []float64 {
	calls := max(1, 20000/len(t))
	out := make([]float64, len(ims))
	for tr := 0; tr < trials; tr++ {
		// The order rotates from trial to trial: whoever runs right after
		// copy() finds its dirty lines in the cache (at sizes beyond L1
		// that costs it about a third), and the best trial of each is then
		// one that did not.
		for j := range ims {
			i := (j + tr) % len(ims)
			im := ims[i]
			start := time.Now()
			for range calls {
				im.fn(t)
			}
			d := float64(time.Since(start).Nanoseconds()) / float64(calls)
			if tr == 0 || d < out[i] {
				out[i] = d
			}
		}
	}
	return out
}

func main() {
	trials := flag.Int("trials", 200, "interleaved trials per size (best is kept)")
	fused := flag.Bool("fused", false, "time XorMaskValidate instead of Validate")
	texts := flag.String("texts", strings.Join(bench.Texts, ","), "comma-separated text kinds")
	sizes := flag.String("sizes", "16,32,64,96,128,192,256,512,1024,2048,3072,4096,6144,8192,16384,65536,1048576", "comma-separated sizes in bytes")
	flag.Parse()
	th := nvx.ThresholdsInUse()
	fmt.Printf("kernel %s, thresholds in use %+v, fused %v, best of %d trials\n", nvx.Kernel(), th, *fused, *trials)
	var sink []byte
	ims := impls(*fused, &sink)
	for _, kind := range strings.Split(*texts, ",") {
		fmt.Printf("\ntext=%s\n%8s", kind, "size")
		for _, im := range ims {
			fmt.Printf(" %15s", im.name+" ns (GB/s)")
		}
		fmt.Printf(" %13s %13s %13s\n", "native/purego", "nvx/purego", "native/copy")
		for _, f := range strings.Split(*sizes, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n <= 0 {
				fmt.Fprintf(os.Stderr, "utf8best: bad size %q\n", f)
				os.Exit(2)
			}
			t := bench.Text(kind, n)
			alt := bytes.Clone(t)
			purego.XorMask(alt, fusedKey, 0)
			if !utf8.Valid(t) || !utf8.Valid(alt) {
				fmt.Fprintf(os.Stderr, "utf8best: corpus %s/%d not valid\n", kind, n)
				os.Exit(1)
			}
			sink = make([]byte, n)
			r := best(ims, t, *trials)
			fmt.Printf("%8d", n)
			for _, v := range r {
				fmt.Printf(" %8.1f (%4.1f)", v, float64(n)/v)
			}
			fmt.Printf(" %12.2fx %12.2fx %12.2fx\n", r[2]/r[1], r[2]/r[0], r[3]/r[1])
		}
	}
}
