// Package flags holds what the example programs' command lines share.
package flags

import (
	"fmt"
	"strings"

	"github.com/autobahn-go/autobahn/ws"
)

// Compression maps a -compress list ("deflate,snappy,brotli", in order of
// preference; "" or "none" for none) and -deflate (false drops deflate) to
// the options' extensions: permessage-deflate as PerMessageDeflate when it
// comes first, the others in Extensions, in order.
func Compression(list string, deflate bool) (*ws.DeflateOptions, []ws.Extension, error) {
	var pmd *ws.DeflateOptions
	var exts []ws.Extension
	seen := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" || name == "none" {
			continue
		}
		if seen[name] {
			return nil, nil, fmt.Errorf("-compress: %q listed twice", name)
		}
		seen[name] = true
		switch name {
		case "deflate":
			if !deflate {
				continue
			}
			if len(exts) == 0 {
				pmd = &ws.DeflateOptions{}
			} else {
				exts = append(exts, ws.DeflateExtension(nil))
			}
		case "snappy":
			exts = append(exts, ws.SnappyExtension(nil))
		case "brotli":
			exts = append(exts, ws.BrotliExtension(nil))
		default:
			return nil, nil, fmt.Errorf("-compress: unknown extension %q (want deflate, snappy or brotli)", name)
		}
	}
	return pmd, exts, nil
}
