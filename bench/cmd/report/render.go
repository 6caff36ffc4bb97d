package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// report holds everything the renderers need.
type report struct {
	cfg    config
	data   *Data
	tables []*Table
	unit   unit
	checks []outcome
}

func (r *report) cell(t *Table, row, col string) string {
	m, spread, ok := t.Value(row, col)
	if !ok {
		return "–"
	}
	s := formatValue(m * r.unit.scale)
	if spread >= 0.005 {
		s += fmt.Sprintf(" ±%.0f%%", spread*100)
	}
	return s
}

func formatValue(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// ratiosFor keeps the ratios whose two columns both exist in t.
func (r *report) ratiosFor(t *Table) [][2]string {
	var out [][2]string
	for _, spec := range r.cfg.ratios {
		a, b, ok := strings.Cut(spec, "/")
		if ok && contains(t.Cols, a) && contains(t.Cols, b) {
			out = append(out, [2]string{a, b})
		}
	}
	return out
}

// rows returns the header and body of one table as strings.
func (r *report) rows(t *Table) (header []string, body [][]string) {
	header = []string{r.cfg.row}
	for _, c := range t.Cols {
		header = append(header, c)
	}
	rs := r.ratiosFor(t)
	for _, ab := range rs {
		header = append(header, ab[0]+"/"+ab[1])
	}
	for _, row := range t.Rows {
		line := []string{row}
		for _, c := range t.Cols {
			line = append(line, r.cell(t, row, c))
		}
		for _, ab := range rs {
			if v, ok := ratio(t, r.unit, row, ab[0], ab[1]); ok {
				line = append(line, fmt.Sprintf("%.2fx", v))
			} else {
				line = append(line, "–")
			}
		}
		body = append(body, line)
	}
	return header, body
}

func (r *report) statName() string {
	if r.cfg.stat == "best" {
		return "best"
	}
	return "median"
}

func (r *report) samples() int {
	n := 0
	for _, t := range r.tables {
		for _, s := range t.Cells {
			n = max(n, len(s))
		}
	}
	return n
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.cfg.title)
	if len(r.data.Env) > 0 {
		fmt.Fprintf(&b, "Machine: %s.\n", strings.Join(r.data.Env, ", "))
	}
	fmt.Fprintf(&b, "Cells: %s, %s of up to %d runs (± half the range over the median, when at least 1%%). Ratios: speed of the first over the second (>1: first is faster), the median of per-run ratios (the implementations of one size run back to back, so each pair shares the load of the machine).\n\n", r.unit.name, r.statName(), r.samples())
	for _, t := range r.tables {
		fmt.Fprintf(&b, "## %s\n\n", t.Name)
		header, body := r.rows(t)
		b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
		for range header {
			b.WriteString("---:|")
		}
		b.WriteString("\n")
		for _, line := range body {
			b.WriteString("| " + strings.Join(line, " | ") + " |\n")
		}
		b.WriteString("\n")
	}
	if len(r.checks) > 0 {
		b.WriteString("## Targets\n\n| target | measured | result |\n|---|---:|---|\n")
		for _, o := range r.checks {
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", o.spec, o.measured(), o.result())
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (o outcome) measured() string {
	if o.note != "" {
		return o.note
	}
	if o.row == "*" {
		return fmt.Sprintf("%.2fx (worst, at %s)", o.value, o.at)
	}
	return fmt.Sprintf("%.2fx", o.value)
}

func (o outcome) result() string {
	if o.pass {
		return "PASS"
	}
	return "FAIL"
}

func (r *report) text(w io.Writer) {
	fmt.Fprintf(w, "%s (%s, %s of up to %d runs)\n", r.cfg.title, r.unit.name, r.statName(), r.samples())
	for _, t := range r.tables {
		fmt.Fprintf(w, "\n%s\n", t.Name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		header, body := r.rows(t)
		fmt.Fprintln(tw, strings.Join(header, "\t")+"\t")
		for _, line := range body {
			fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
		}
		tw.Flush()
	}
	if len(r.checks) > 0 {
		fmt.Fprintln(w, "\nTargets")
		for _, o := range r.checks {
			fmt.Fprintf(w, "  %-4s %-50s %s\n", o.result(), o.spec, o.measured())
		}
	}
}
