package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Result is one benchmark line: its name split into the benchmark and its
// key=value parts, and every metric on the line by unit.
type Result struct {
	Bench   string            // "Mask" for BenchmarkMask/...
	Keys    map[string]string // "impl" → "native", "size" → "16KiB"
	Order   []string          // keys in the order they appear in the name
	Metrics map[string]float64
}

// Data is a parsed `go test -bench` output.
type Data struct {
	Results []Result
	Env     []string // goos, goarch, pkg, cpu lines
}

var procsSuffix = regexp.MustCompile(`-\d+$`)

// Parse reads `go test -bench` output (several -count runs and packages
// may be concatenated); lines that are not results are skipped, apart from
// the goos/goarch/cpu header lines, which are kept once each.
func Parse(r io.Reader) (*Data, error) {
	d := &Data{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		for _, p := range []string{"goos:", "goarch:", "cpu:"} {
			if strings.HasPrefix(line, p) && !seen[line] {
				seen[line] = true
				d.Env = append(d.Env, line)
			}
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 4 || len(f)%2 != 0 {
			continue // "BenchmarkX" alone (verbose mode) or a broken line
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			continue
		}
		res := Result{Keys: map[string]string{}, Metrics: map[string]float64{}}
		parts := strings.Split(procsSuffix.ReplaceAllString(f[0], ""), "/")
		res.Bench = strings.TrimPrefix(parts[0], "Benchmark")
		for i, p := range parts[1:] {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				k, v = fmt.Sprintf("sub%d", i+1), p
			}
			res.Keys[k] = v
			res.Order = append(res.Order, k)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, fmt.Errorf("report: bad value %q in %q: %w", f[i], line, err)
			}
			res.Metrics[f[i+1]] = v
		}
		d.Results = append(d.Results, res)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("report: reading input: %w", err)
	}
	return d, nil
}

// ParseSize reads sizes as the benchmarks name them (64B, 1KiB, 16K, 1MiB,
// 4096); ok is false for anything else.
func ParseSize(s string) (n float64, ok bool) {
	mult := 1.0
	t := s
	for _, u := range []struct {
		suffix string
		mult   float64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"k", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, false
	}
	return v * mult, true
}

// Table is one group of results: rows (e.g. sizes) by columns (e.g.
// implementations), each cell every sample of the chosen metric.
type Table struct {
	Name  string
	Rows  []string
	Cols  []string
	Cells map[[2]string][]float64
	// Best makes Value the best sample (the highest, or the lowest when
	// Lower) instead of the median: on a shared machine interference only
	// ever slows a run down, so the best run is the steadier estimate.
	Best  bool
	Lower bool // lower values are better (times)
}

// Group splits results into tables: one per benchmark and combination of
// the keys other than col and row, in order of first appearance; rows are
// sorted by size when every row parses as one. best and lower set the
// tables' Best and Lower.
func Group(d *Data, col, row, metric string, best, lower bool) []*Table {
	var tables []*Table
	byName := map[string]*Table{}
	for _, r := range d.Results {
		v, ok := r.Metrics[metric]
		if !ok {
			continue
		}
		name := r.Bench
		for _, k := range r.Order {
			if k != col && k != row {
				name += " " + k + "=" + r.Keys[k]
			}
		}
		t := byName[name]
		if t == nil {
			t = &Table{Name: name, Cells: map[[2]string][]float64{}, Best: best, Lower: lower}
			byName[name] = t
			tables = append(tables, t)
		}
		c, rw := r.Keys[col], r.Keys[row]
		if !contains(t.Cols, c) {
			t.Cols = append(t.Cols, c)
		}
		if !contains(t.Rows, rw) {
			t.Rows = append(t.Rows, rw)
		}
		t.Cells[[2]string{rw, c}] = append(t.Cells[[2]string{rw, c}], v)
	}
	for _, t := range tables {
		sizes := true
		for _, rw := range t.Rows {
			if _, ok := ParseSize(rw); !ok {
				sizes = false
			}
		}
		if sizes {
			sort.SliceStable(t.Rows, func(i, j int) bool {
				a, _ := ParseSize(t.Rows[i])
				b, _ := ParseSize(t.Rows[j])
				return a < b
			})
		}
	}
	return tables
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Value returns the value of one cell (its median, or its best sample
// with Best) and the spread of its samples: half their range over the
// median (0 for one sample). ok is false when the cell is empty.
func (t *Table) Value(row, col string) (v, spread float64, ok bool) {
	s := append([]float64(nil), t.Cells[[2]string{row, col}]...)
	if len(s) == 0 {
		return 0, 0, false
	}
	sort.Float64s(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	if med != 0 {
		spread = (s[len(s)-1] - s[0]) / 2 / med
	}
	switch {
	case !t.Best:
		v = med
	case t.Lower:
		v = s[0]
	default:
		v = s[len(s)-1]
	}
	return v, spread, true
}
