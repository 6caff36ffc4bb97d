package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// unit describes how a metric is shown and compared.
type unit struct {
	name   string  // shown name: GB/s for MB/s
	scale  float64 // shown value = metric * scale
	higher bool    // higher is better (rates); false for times (ns/op)
}

func newUnit(metric string) unit {
	switch {
	case metric == "MB/s":
		return unit{"GB/s", 1e-3, true}
	case strings.HasSuffix(metric, "/op"):
		return unit{metric, 1, false}
	}
	return unit{metric, 1, true}
}

// ratio is the speed of column a over column b in row: above 1 means a is
// faster. When both cells hold the same number of samples, it is the median
// of the per-run ratios: the benchmarks of one size run back to back in
// each run, so each pair shared the machine's load, and pairing cancels
// most of the noise of a shared machine. Otherwise it is the ratio of the
// cell values. ok is false when either cell is missing.
func ratio(t *Table, u unit, row, a, b string) (float64, bool) {
	sa, sb := t.Cells[[2]string{row, a}], t.Cells[[2]string{row, b}]
	if len(sa) > 0 && len(sa) == len(sb) {
		rs := make([]float64, 0, len(sa))
		for i := range sa {
			if sa[i] == 0 || sb[i] == 0 {
				return 0, false
			}
			if u.higher {
				rs = append(rs, sa[i]/sb[i])
			} else {
				rs = append(rs, sb[i]/sa[i])
			}
		}
		sort.Float64s(rs)
		if len(rs)%2 == 1 {
			return rs[len(rs)/2], true
		}
		return (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2, true
	}
	ma, _, okA := t.Value(row, a)
	mb, _, okB := t.Value(row, b)
	if !okA || !okB || ma == 0 || mb == 0 {
		return 0, false
	}
	if u.higher {
		return ma / mb, true
	}
	return mb / ma, true
}

// check is one target: in table (or every row of it, row "*"), the ratio
// a/b must be >= (or <=) x.
type check struct {
	spec, table, row, a, b, op string
	x                          float64
}

// parseChecks reads "TABLE@ROW:A/B>=X;..." specs.
func parseChecks(s string) ([]check, error) {
	var out []check
	for _, spec := range strings.Split(s, ";") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		bad := fmt.Errorf("report: check %q: want TABLE@ROW:A/B>=X", spec)
		where, cond, ok := strings.Cut(spec, ":")
		if !ok {
			return nil, bad
		}
		table, row, ok := strings.Cut(where, "@")
		if !ok {
			return nil, bad
		}
		op := ">="
		lhs, rhs, ok := strings.Cut(cond, op)
		if !ok {
			op = "<="
			if lhs, rhs, ok = strings.Cut(cond, op); !ok {
				return nil, bad
			}
		}
		a, b, ok := strings.Cut(lhs, "/")
		if !ok {
			return nil, bad
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(rhs), 64)
		if err != nil {
			return nil, fmt.Errorf("report: check %q: %w", spec, err)
		}
		out = append(out, check{spec, strings.TrimSpace(table), strings.TrimSpace(row), strings.TrimSpace(a), strings.TrimSpace(b), op, x})
	}
	return out, nil
}

// outcome is an evaluated check: the value found (the worst row for "*")
// and whether it meets the target.
type outcome struct {
	check
	value float64
	at    string // the row the value comes from
	pass  bool
	note  string
}

func evalChecks(cs []check, tables []*Table, u unit) []outcome {
	var out []outcome
	for _, c := range cs {
		o := outcome{check: c}
		var t *Table
		for _, tt := range tables {
			if tt.Name == c.table {
				t = tt
			}
		}
		if t == nil {
			o.note = "no such table"
			out = append(out, o)
			continue
		}
		rows := []string{c.row}
		if c.row == "*" {
			rows = t.Rows
		}
		first := true
		for _, r := range rows {
			v, ok := ratio(t, u, r, c.a, c.b)
			if !ok {
				continue
			}
			worse := v < o.value
			if c.op == "<=" {
				worse = v > o.value
			}
			if first || worse {
				o.value, o.at, first = v, r, false
			}
		}
		switch {
		case first:
			o.note = "no data"
		case c.op == ">=":
			o.pass = o.value >= c.x
		default:
			o.pass = o.value <= c.x
		}
		out = append(out, o)
	}
	return out
}
