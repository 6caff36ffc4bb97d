// Command maskbest times XorMask through nvx, the C core alone
// (nvx.NativeXorMask), package purego and copy(), as the best of many
// short interleaved trials: on a shared, loaded machine the best trial is
// the one nothing else interrupted, so the ratios stay meaningful where
// `go test -bench` medians swing by ±100% (it complements make bench-nvx,
// it does not replace it).
//
//	go run ./bench/cmd/maskbest [-trials 300] [-offset 0] [-sizes 1024,16384]
//
// Each trial runs one implementation for about 20,000 bytes' worth of
// calls on the same buffer (cache-resident, as a frame just read is); the
// implementations take turns trial by trial.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/autobahn-go/autobahn/nvx"
	"github.com/autobahn-go/autobahn/nvx/purego"
)

var key = [4]byte{0x5A, 0xC3, 0x19, 0xE7}

type impl struct {
	name string
	fn   func(buf, src []byte)
}

var impls = []impl{
	{"nvx", func(b, _ []byte) { nvx.XorMask(b, key, 1) }},
	{"native", func(b, _ []byte) { nvx.NativeXorMask(b, key, 1) }},
	{"purego", func(b, _ []byte) { purego.XorMask(b, key, 1) }},
	{"copy", func(b, s []byte) { copy(b, s) }},
}

// best returns each implementation's best time per call on n bytes at
// offset off from a 64-byte boundary.
func best(n, off, trials int) []float64 {
	raw := make([]byte, n+128)
	base := (64 - int(uintptrOf(raw)&63)) & 63
	buf := raw[base+off : base+off+n]
	src := make([]byte, n)
	calls := max(1, 20000/max(n, 1)*16)
	out := make([]float64, len(impls))
	for t := 0; t < trials; t++ {
		for i, im := range impls {
			start := time.Now()
			for range calls {
				im.fn(buf, src)
			}
			d := float64(time.Since(start).Nanoseconds()) / float64(calls)
			if t == 0 || d < out[i] {
				out[i] = d
			}
		}
	}
	return out
}

func main() {
	trials := flag.Int("trials", 300, "interleaved trials per size (best is kept)")
	off := flag.Int("offset", 0, "buffer misalignment from a 64-byte boundary")
	sizes := flag.String("sizes", "64,1024,2048,4096,16384,65536", "comma-separated sizes in bytes")
	flag.Parse()
	fmt.Printf("kernel %s, masking %s, MaskThresholdInUse %d, offset %d, best of %d trials\n",
		nvx.Kernel(), nvx.MaskKernel(), nvx.MaskThresholdInUse(), *off, *trials)
	fmt.Printf("%8s", "size")
	for _, im := range impls {
		fmt.Printf(" %14s", im.name+" ns (GB/s)")
	}
	fmt.Printf(" %14s %14s %14s\n", "native/purego", "native/copy", "nvx/purego")
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "maskbest: bad size %q\n", f)
			os.Exit(2)
		}
		t := best(n, *off, *trials)
		fmt.Printf("%8d", n)
		for _, v := range t {
			fmt.Printf(" %7.1f (%4.0f)", v, float64(n)/v)
		}
		// Speed ratios: >1 means the first is faster.
		fmt.Printf(" %13.2fx %13.2fx %13.2fx\n", t[2]/t[1], t[3]/t[1], t[2]/t[0])
	}
}
