module github.com/autobahn-go/autobahn/bench/peers

go 1.25

replace github.com/autobahn-go/autobahn => ../..

require (
	github.com/autobahn-go/autobahn v0.0.0-00010101000000-000000000000
	github.com/lxzan/gws v1.8.9
)

require (
	github.com/dolthub/maphash v0.1.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/sys v0.41.0 // indirect
)
