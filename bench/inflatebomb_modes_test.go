//go:build linux

package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/autobahn-go/autobahn/ws"
)

// bombModes are the server configurations BenchmarkInflateBomb runs:
// "default" (the Server's own budget of ws.DefaultMemoryBudget) and "none"
// (a budget without a limit, which only counts: the behaviour before
// budgets existed). AUTOBAHN_BOMB_MODES, a comma-separated list of those
// names and budget limits in MiB ("default,16,64"), replaces them.
func bombModes() []string {
	if v := os.Getenv("AUTOBAHN_BOMB_MODES"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"default", "none"}
}

// bombServerOptions applies mode to the bomb server's options and returns
// a function describing the budget's state for the report.
func bombServerOptions(o *ws.Options, mode string) func() string {
	switch mode {
	case "none":
		o.MemoryBudget = ws.NewMemoryBudget(0)
	case "default":
		o.MemoryBudget = ws.NewMemoryBudget(ws.DefaultMemoryBudget)
	default:
		n, err := strconv.ParseInt(mode, 10, 64)
		if err != nil {
			panic("bomb mode " + mode)
		}
		o.MemoryBudget = ws.NewMemoryBudget(n << 20)
	}
	b := o.MemoryBudget
	return func() string {
		return fmt.Sprintf("(budget limit %d MiB, peak charged %.1f MiB, refused %d, in use now %d)",
			b.Limit()>>20, float64(b.Peak())/(1<<20), b.Refused(), b.InUse())
	}
}
