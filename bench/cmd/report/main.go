// Command report turns `go test -bench` output into a Markdown table, an
// SVG chart and a plain-text table on stdout.
//
// Each benchmark name is read as Benchmark<Name>/<key>=<value>/...; one
// key names the columns (-col, default impl), one the rows (-row, default
// size), and every other key splits the results into separate tables. Each
// cell is the median (or with -stat best, the best) over the -count runs of
// one metric (-metric, default MB/s, shown as GB/s). Ratios (-ratios native/purego,...) compare two
// columns as speed-ups: >1 means the first is faster, whether the metric
// is a rate (MB/s) or a time (ns/op). Checks (-checks) turn ratios into
// PASS/FAIL lines for targets:
//
//	report -in bench/results/nvx.txt -md bench/results/nvx.md \
//	  -svg bench/results/nvx.svg -title "NVX vs pure Go" \
//	  -ratios native/purego,nvx/purego \
//	  -checks 'Mask@16KiB:native/purego>=3;UTF8 text=latin@*:nvx/purego>=0.9'
//
// A check is TABLE@ROW:A/B>=X (or <=); ROW * means every row of the table.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// config is everything the flags set.
type config struct {
	in, md, svg, title string
	col, row, metric   string
	ratios             []string
	checks             string
	strict             bool
	stat               string
}

func main() {
	var c config
	var ratios string
	flag.StringVar(&c.in, "in", "-", "`file` with go test -bench output (- for stdin)")
	flag.StringVar(&c.md, "md", "", "write the Markdown report to `file`")
	flag.StringVar(&c.svg, "svg", "", "write the SVG chart to `file`")
	flag.StringVar(&c.title, "title", "Benchmarks", "report title")
	flag.StringVar(&c.col, "col", "impl", "name `key` whose values are the columns")
	flag.StringVar(&c.row, "row", "size", "name `key` whose values are the rows")
	flag.StringVar(&c.metric, "metric", "MB/s", "`unit` to report (MB/s is shown as GB/s)")
	flag.StringVar(&ratios, "ratios", "native/purego,nvx/purego,native/stdlib,native/copy", "comma-separated `A/B` column ratios")
	flag.StringVar(&c.checks, "checks", "", "semicolon-separated targets TABLE@ROW:A/B>=X")
	flag.BoolVar(&c.strict, "strict", false, "exit 1 when a check fails")
	flag.StringVar(&c.stat, "stat", "median", "cell value over the runs: median, or best (steadier on a shared machine)")
	flag.Parse()
	for _, r := range strings.Split(ratios, ",") {
		if r = strings.TrimSpace(r); r != "" {
			c.ratios = append(c.ratios, r)
		}
	}
	failed, err := run(c, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if failed > 0 && c.strict {
		os.Exit(1)
	}
}

// run reads the input, writes the requested files and the text table, and
// returns how many checks failed.
func run(c config, stdout io.Writer) (int, error) {
	var r io.Reader = os.Stdin
	if c.in != "-" {
		f, err := os.Open(c.in)
		if err != nil {
			return 0, fmt.Errorf("report: %w", err)
		}
		defer f.Close()
		r = f
	}
	d, err := Parse(r)
	if err != nil {
		return 0, err
	}
	if c.stat != "median" && c.stat != "best" {
		return 0, fmt.Errorf("report: -stat %q: want median or best", c.stat)
	}
	u := newUnit(c.metric)
	tables := Group(d, c.col, c.row, c.metric, c.stat == "best", !u.higher)
	if len(tables) == 0 {
		return 0, fmt.Errorf("report: no benchmark results with metric %q in %s", c.metric, c.in)
	}
	checks, err := parseChecks(c.checks)
	if err != nil {
		return 0, err
	}
	outcomes := evalChecks(checks, tables, u)
	rep := &report{cfg: c, data: d, tables: tables, unit: u, checks: outcomes}
	if c.md != "" {
		if err := os.WriteFile(c.md, []byte(rep.markdown()), 0o644); err != nil {
			return 0, fmt.Errorf("report: writing markdown: %w", err)
		}
	}
	if c.svg != "" {
		if err := os.WriteFile(c.svg, []byte(rep.svg()), 0o644); err != nil {
			return 0, fmt.Errorf("report: writing svg: %w", err)
		}
	}
	rep.text(stdout)
	failed := 0
	for _, o := range outcomes {
		if !o.pass {
			failed++
		}
	}
	return failed, nil
}
