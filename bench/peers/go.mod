module github.com/autobahn-go/autobahn/bench/peers

go 1.25.0

replace github.com/autobahn-go/autobahn => ../..

require (
	github.com/autobahn-go/autobahn v0.0.0-00010101000000-000000000000
	github.com/coder/websocket v1.8.15
	github.com/gorilla/websocket v1.5.3
	github.com/lesismal/nbio v1.6.8
	github.com/lxzan/gws v1.8.9
	github.com/stretchr/testify v1.12.1
	golang.org/x/sys v0.47.0
)

require (
	github.com/andybalholm/brotli v1.3.0 // indirect
	github.com/dolthub/maphash v0.1.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	github.com/lesismal/llib v1.2.2 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/crypto v0.55.0 // indirect
	golang.org/x/net v0.58.0 // indirect
	golang.org/x/text v0.41.0 // indirect
)
