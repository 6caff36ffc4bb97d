package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
goarch: amd64
pkg: github.com/autobahn-go/autobahn/bench
cpu: Test CPU
BenchmarkMask/impl=native/size=16B-2   	100	10.0 ns/op	1600.00 MB/s
BenchmarkMask/impl=native/size=16B-2   	100	10.0 ns/op	1800.00 MB/s
BenchmarkMask/impl=native/size=16B-2   	100	10.0 ns/op	1700.00 MB/s
BenchmarkMask/impl=purego/size=16B-2   	100	10.0 ns/op	3400.00 MB/s
BenchmarkMask/impl=native/size=1KiB-2  	100	10.0 ns/op	40000.00 MB/s
BenchmarkMask/impl=purego/size=1KiB-2  	100	10.0 ns/op	10000.00 MB/s
BenchmarkUTF8/impl=native/text=cjk/size=64B-2 	100	10.0 ns/op	6000.00 MB/s
BenchmarkUTF8/impl=stdlib/text=cjk/size=64B-2 	100	10.0 ns/op	1000.00 MB/s
BenchmarkEcho/msgs-2 	100	2000 ns/op
PASS
ok  	github.com/autobahn-go/autobahn/bench	1.0s
`

func TestParseAndGroup(t *testing.T) {
	d, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	require.Len(t, d.Results, 9)
	assert.Equal(t, []string{"goos: linux", "goarch: amd64", "cpu: Test CPU"}, d.Env)
	assert.Equal(t, "Mask", d.Results[0].Bench)
	assert.Equal(t, "native", d.Results[0].Keys["impl"])
	assert.Equal(t, 1600.0, d.Results[0].Metrics["MB/s"])
	assert.Equal(t, "msgs", d.Results[8].Keys["sub1"])

	tables := Group(d, "impl", "size", "MB/s", false, false)
	require.Len(t, tables, 2)
	assert.Equal(t, "Mask", tables[0].Name)
	assert.Equal(t, "UTF8 text=cjk", tables[1].Name)
	assert.Equal(t, []string{"16B", "1KiB"}, tables[0].Rows)
	med, spread, ok := tables[0].Value("16B", "native")
	require.True(t, ok)
	assert.Equal(t, 1700.0, med)
	assert.InDelta(t, 100.0/1700, spread, 1e-9)
	tables[0].Best = true
	best, _, _ := tables[0].Value("16B", "native")
	assert.Equal(t, 1800.0, best)
	tables[0].Lower = true
	best, _, _ = tables[0].Value("16B", "native")
	assert.Equal(t, 1600.0, best)
	tables[0].Best, tables[0].Lower = false, false

	v, ok := ratio(tables[0], newUnit("MB/s"), "1KiB", "native", "purego")
	require.True(t, ok)
	assert.Equal(t, 4.0, v)
	// Paired: median of per-run ratios (1600/3400, 1800/3400, 1700/3400 here
	// against one purego sample falls back to the ratio of medians).
	v, _ = ratio(tables[0], newUnit("MB/s"), "16B", "native", "purego")
	assert.InDelta(t, 0.5, v, 1e-9)
	pt := &Table{Cells: map[[2]string][]float64{{"r", "a"}: {10, 40, 90}, {"r", "b"}: {5, 10, 100}}}
	v, _ = ratio(pt, newUnit("MB/s"), "r", "a", "b")
	assert.Equal(t, 2.0, v, "per-run ratios 2, 4, 0.9: median 2")
	// Times: lower is better, so the ratio is inverted.
	tt := &Table{Cells: map[[2]string][]float64{{"r", "a"}: {10}, {"r", "b"}: {30}}}
	v, _ = ratio(tt, newUnit("ns/op"), "r", "a", "b")
	assert.Equal(t, 3.0, v)
}

func TestParseSize(t *testing.T) {
	for s, want := range map[string]float64{"64B": 64, "1KiB": 1024, "16K": 16384, "1MiB": 1 << 20, "4096": 4096} {
		got, ok := ParseSize(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, got, s)
	}
	_, ok := ParseSize("latin")
	assert.False(t, ok)
}

func TestChecks(t *testing.T) {
	cs, err := parseChecks("Mask@1KiB:native/purego>=3; Mask@*:native/purego>=0.9;UTF8 text=cjk@64B:native/stdlib<=2;Nope@x:a/b>=1")
	require.NoError(t, err)
	require.Len(t, cs, 4)
	d, err := Parse(strings.NewReader(sample))
	require.NoError(t, err)
	out := evalChecks(cs, Group(d, "impl", "size", "MB/s", false, false), newUnit("MB/s"))
	assert.True(t, out[0].pass)
	assert.False(t, out[1].pass, "16B: 1700/3400 = 0.5")
	assert.Equal(t, "16B", out[1].at)
	assert.InDelta(t, 0.5, out[1].value, 1e-9)
	assert.False(t, out[2].pass, "6x is not <= 2")
	assert.False(t, out[3].pass)
	assert.Equal(t, "no such table", out[3].note)

	for _, bad := range []string{"Mask:a/b>=1", "Mask@x:ab>=1", "Mask@x:a/b=1", "Mask@x:a/b>=z"} {
		_, err := parseChecks(bad)
		assert.Error(t, err, bad)
	}
}

func TestRunWritesFiles(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.txt")
	require.NoError(t, os.WriteFile(in, []byte(sample), 0o644))
	c := config{in: in, md: filepath.Join(dir, "r.md"), svg: filepath.Join(dir, "r.svg"), title: "T <&>",
		col: "impl", row: "size", metric: "MB/s", ratios: []string{"native/purego", "native/stdlib"},
		checks: "Mask@1KiB:native/purego>=3", stat: "median"}
	var out bytes.Buffer
	failed, err := run(c, &out)
	require.NoError(t, err)
	assert.Equal(t, 0, failed)
	assert.Contains(t, out.String(), "4.00x")

	md, err := os.ReadFile(c.md)
	require.NoError(t, err)
	assert.Contains(t, string(md), "| 1KiB | 40.0 | 10.0 | 4.00x |")
	assert.Contains(t, string(md), "| 64B | 6.00 | 1.00 | 6.00x |")
	assert.Contains(t, string(md), "PASS")

	svg, err := os.ReadFile(c.svg)
	require.NoError(t, err)
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		_, err := dec.Token()
		if err != nil {
			require.ErrorContains(t, err, "EOF", "SVG must be well-formed XML")
			break
		}
	}
	assert.Equal(t, 2, strings.Count(string(svg), `font-size="14"`), "one panel per table")

	// ns/op tables for benchmarks without throughput (end-to-end runs).
	c.metric, c.md, c.svg, c.checks = "ns/op", "", "", ""
	out.Reset()
	_, err = run(c, &out)
	require.NoError(t, err)
	assert.Contains(t, out.String(), "Echo sub1=msgs")

	c.stat = "best"
	_, err = run(c, &out)
	require.NoError(t, err)
	c.stat = "mean"
	_, err = run(c, &out)
	assert.Error(t, err)
	c.stat = "median"

	c.metric = "furlongs"
	_, err = run(c, &out)
	assert.Error(t, err)
}
