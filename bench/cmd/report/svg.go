package main

import (
	"fmt"
	"html"
	"math"
	"strings"
)

// palette gives each column (implementation) one colour in every panel.
var palette = []string{"#d62728", "#1f77b4", "#2ca02c", "#7f7f7f", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22"}

const (
	panelW, panelH         = 520, 320
	padL, padR, padT, padB = 60, 20, 30, 50
	panelsPerRow           = 2
	titleH                 = 40
	legendH                = 30
)

// svg draws one line chart per table (value against row, rows evenly
// spaced, which is a log scale for power-of-two sizes) in a grid, with a
// shared legend: plain SVG, no scripts, no dependencies.
func (r *report) svg() string {
	var cols []string
	for _, t := range r.tables {
		for _, c := range t.Cols {
			if !contains(cols, c) {
				cols = append(cols, c)
			}
		}
	}
	color := map[string]string{}
	for i, c := range cols {
		color[c] = palette[i%len(palette)]
	}
	nRows := (len(r.tables) + panelsPerRow - 1) / panelsPerRow
	w := panelW * min(panelsPerRow, len(r.tables))
	h := titleH + legendH + nRows*panelH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n", w, h, w, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="26" font-size="18" text-anchor="middle">%s (%s)</text>`+"\n", w/2, esc(r.cfg.title), esc(r.unit.name))
	x := 10
	for _, c := range cols {
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s" stroke-width="3"/><text x="%d" y="%d">%s</text>`+"\n",
			x, titleH+12, x+20, titleH+12, color[c], x+25, titleH+16, esc(c))
		x += 40 + 8*len(c)
	}
	for i, t := range r.tables {
		ox := (i % panelsPerRow) * panelW
		oy := titleH + legendH + (i/panelsPerRow)*panelH
		r.panel(&b, t, ox, oy, color)
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func (r *report) panel(b *strings.Builder, t *Table, ox, oy int, color map[string]string) {
	plotW := float64(panelW - padL - padR)
	plotH := float64(panelH - padT - padB)
	top := 0.0
	for _, row := range t.Rows {
		for _, c := range t.Cols {
			if m, _, ok := t.Value(row, c); ok {
				top = math.Max(top, m*r.unit.scale)
			}
		}
	}
	top = niceCeil(top)
	px := func(i int) float64 {
		if len(t.Rows) == 1 {
			return float64(ox+padL) + plotW/2
		}
		return float64(ox+padL) + plotW*float64(i)/float64(len(t.Rows)-1)
	}
	py := func(v float64) float64 { return float64(oy+padT) + plotH*(1-v/top) }
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="14" text-anchor="middle">%s</text>`+"\n", ox+panelW/2, oy+18, esc(t.Name))
	for k := 0; k <= 4; k++ {
		v := top * float64(k) / 4
		y := py(v)
		fmt.Fprintf(b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			ox+padL, y, ox+panelW-padR, y, ox+padL-5, y+4, formatValue(v))
	}
	for i, row := range t.Rows {
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="end" transform="rotate(-40 %.1f %d)">%s</text>`+"\n",
			px(i), oy+panelH-padB+15, px(i), oy+panelH-padB+15, esc(row))
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%.0f" height="%.0f" fill="none" stroke="#888"/>`+"\n", ox+padL, oy+padT, plotW, plotH)
	for _, c := range t.Cols {
		var pts []string
		for i, row := range t.Rows {
			if m, _, ok := t.Value(row, c); ok {
				pts = append(pts, fmt.Sprintf("%.1f,%.1f", px(i), py(m*r.unit.scale)))
			}
		}
		if len(pts) == 0 {
			continue
		}
		fmt.Fprintf(b, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"><title>%s</title></polyline>`+"\n", color[c], strings.Join(pts, " "), esc(c))
		for _, p := range pts {
			xy := strings.Split(p, ",")
			fmt.Fprintf(b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`+"\n", xy[0], xy[1], color[c])
		}
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (1 for v <= 0).
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func esc(s string) string { return html.EscapeString(s) }
