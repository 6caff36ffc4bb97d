package ws

import "github.com/autobahn-go/autobahn/nvx"

// HasNVX reports whether the native NVX core is compiled into this build
// (Autobahn's HAS_NVX): true with cgo, false otherwise.
const HasNVX = nvx.HasNVX

// UsesNVX reports whether the native NVX core is used at run time
// (Autobahn's USES_NVX); see AUTOBAHN_USE_NVX in package nvx.
func UsesNVX() bool { return nvx.UsesNVX() }
