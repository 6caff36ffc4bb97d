//go:build cgo && amd64 && !windows && !asan && !msan

package nvx

import (
	"fmt"
	"testing"

	"github.com/autobahn-go/autobahn/nvx/internal/goimpl"
)

// BenchmarkDirectUTF8 times one call of Validate and of XorMaskValidate
// per path, side by side: "go" is the pure-Go code (package purego's),
// "cgo" the C core through a cgo call, "direct" the C core through the
// direct call (nativeValidate, nativeXorMaskValidate), "nvx" the
// thresholded API. Text is all ASCII, accented Latin or CJK (3-byte code
// points). Compare the paths with benchstat -col /path.
//
//	go test -run '^$' -bench BenchmarkDirectUTF8 -count 6 ./nvx
func BenchmarkDirectUTF8(b *testing.B) {
	key := [4]byte{1, 1, 1, 1} // flips the low bit: the text stays of its kind
	kinds := []struct {
		name string
		kind textKind
	}{{"ascii", textASCII}, {"latin", textLatin}, {"cjk", textCJK}}
	for _, op := range []string{"validate", "fused"} {
		for _, k := range kinds {
			for _, n := range []int{16, 32, 64, 128, 256, 1 << 10, 16 << 10} {
				text := calibrationText(k.kind, n)
				paths := map[string]func(v *goimpl.Utf8Validator){}
				if op == "validate" {
					paths["go"] = func(v *goimpl.Utf8Validator) { v.Validate(text, false) }
					paths["cgo"] = func(v *goimpl.Utf8Validator) { cgoValidate(v, text) }
					paths["direct"] = func(v *goimpl.Utf8Validator) { nativeValidate(v, text) }
					paths["nvx"] = func(v *goimpl.Utf8Validator) { v.Validate(text, true) }
				} else {
					paths["go"] = func(v *goimpl.Utf8Validator) { goimpl.XorMaskValidate(text, key, 0, v, false) }
					paths["cgo"] = func(v *goimpl.Utf8Validator) { cgoXorMaskValidate(text, key, 0, v) }
					paths["direct"] = func(v *goimpl.Utf8Validator) { nativeXorMaskValidate(text, key, 0, v) }
					paths["nvx"] = func(v *goimpl.Utf8Validator) { goimpl.XorMaskValidate(text, key, 0, v, true) }
				}
				for _, p := range []string{"go", "cgo", "direct", "nvx"} {
					fn := paths[p]
					b.Run(fmt.Sprintf("op=%s/text=%s/size=%d/path=%s", op, k.name, n, p), func(b *testing.B) {
						var v goimpl.Utf8Validator
						b.SetBytes(int64(n))
						for b.Loop() {
							v.Reset()
							fn(&v)
						}
					})
				}
			}
		}
	}
}
