// Package bench holds the benchmarks behind `make bench`: the native NVX
// core against pure Go, the standard library and a plain copy, across sizes
// and kinds of text (nvx_test.go), and end-to-end benchmarks of the
// WebSocket engine. bench/cmd/report turns their output into the Markdown
// table and SVG chart under bench/results.
package bench
