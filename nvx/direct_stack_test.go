//go:build cgo && amd64 && !windows

package nvx

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/autobahn-go/autobahn/nvx/internal/ccall"
)

// The direct call (package ccall) gives the C code ccall.StackBytes of its
// own frame plus the runtime's stack guard. The compiler's own account of
// the masking code (-fstack-usage on the masking files, at cgo's -O2)
// must stay far below that: a fixed, small frame for nvx_xor_mask and
// every masking kernel, none of them dynamic. Skipped when the compiler
// does not take the flag.
func TestDirectCallStackUsage(t *testing.T) {
	cc := testCC(t)
	// The masking files of the unity build (nvx_unity.c), compiled alone.
	dir := t.TempDir()
	src := filepath.Join(dir, "mask_unity.c")
	var text strings.Builder
	for _, file := range []string{"mask.c", "mask_scalar.c", "mask_sse2.c", "mask_avx2.c", "mask_avx512.c", "mask_neon.c"} {
		abs, err := filepath.Abs(filepath.Join("..", "csrc", file))
		require.NoError(t, err)
		text.WriteString("#include \"" + abs + "\"\n")
	}
	require.NoError(t, os.WriteFile(src, []byte(text.String()), 0o644))
	cmd := exec.Command(cc, "-O2", "-std=c11", "-fstack-usage", "-I../csrc/include", "-I../csrc",
		"-c", src, "-o", filepath.Join(dir, "mask_unity.o"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("%s -fstack-usage: %v\n%s", cc, err, out)
	}
	f, err := os.Open(filepath.Join(dir, "mask_unity.su"))
	if err != nil {
		t.Skipf("no stack usage file: %v", err)
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// file:line:col:name <TAB> bytes <TAB> static|dynamic[,bounded]
		fields := strings.Split(sc.Text(), "\t")
		require.Len(t, fields, 3, "line %q", sc.Text())
		name := fields[0][strings.LastIndex(fields[0], ":")+1:]
		if name != "nvx_xor_mask" && !strings.HasPrefix(name, "nvx__mask_") {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		require.NoError(t, err)
		t.Logf("%s: %d bytes, %s", name, n, fields[2])
		require.Equal(t, "static", fields[2], name)
		require.LessOrEqual(t, n, ccall.StackBytes/4, name)
		seen[name] = true
	}
	require.NoError(t, sc.Err())
	for _, name := range []string{"nvx_xor_mask", "nvx__mask_scalar", "nvx__mask_sse2", "nvx__mask_avx2", "nvx__mask_avx512"} {
		require.True(t, seen[name], "%s not in the stack usage report", name)
	}
}

// The deepest stack each directly called C function can reach, from the
// compiler's call graph of the whole core (-fcallgraph-info=su, gcc 10 and
// later, at cgo's -O2): the sum of the frames along the deepest chain of
// calls, a function pointer's call counted as the largest kernel it may
// hold, must fit the frame the direct call gives (ccall.StackBytes for
// masking, ccall.UTF8StackBytes for validation and the fused call; the
// runtime's stack guard below is the margin). Not counted: nvx_init,
// which the direct call never reaches (the entry functions run it first,
// and it then returns after one atomic load). Calls out of the core may
// only go to memcpy, memmove and memset, which the entry functions bind
// at start (direct_amd64.go) and which keep no frame. Every frame must be
// static. Skipped when the compiler does not take the flag.
func TestDirectCallStackDepth(t *testing.T) {
	cc := testCC(t)
	dir := t.TempDir()
	src, err := filepath.Abs(filepath.Join("..", "csrc", "nvx_unity.c"))
	require.NoError(t, err)
	cmd := exec.Command(cc, "-O2", "-std=c11", "-fcallgraph-info=su", "-I../csrc/include", "-I../csrc",
		"-c", src, "-o", filepath.Join(dir, "nvx_unity.o"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("%s -fcallgraph-info=su: %v\n%s", cc, err, out)
	}
	ci, err := os.ReadFile(filepath.Join(dir, "nvx_unity.ci"))
	if err != nil {
		t.Skipf("no call graph file: %v", err)
	}
	frames, calls := parseCallGraph(t, string(ci))
	// The functions the core calls through a pointer: the kernels.
	var kernels []string
	for name := range frames {
		switch name {
		case "nvx__mask_scalar", "nvx__mask_sse2", "nvx__mask_avx2", "nvx__mask_avx512", "nvx__mask_neon":
			kernels = append(kernels, name)
		default:
			if strings.HasPrefix(name, "nvx__utf8_lookup_") {
				kernels = append(kernels, name)
			}
		}
	}
	require.GreaterOrEqual(t, len(kernels), 8, "%v", kernels)
	var depth func(name string, seen map[string]bool) int
	depth = func(name string, seen map[string]bool) int {
		switch name {
		case "memcpy", "memmove", "memset":
			return 0
		case "__indirect_call":
			deepest := 0
			for _, k := range kernels {
				deepest = max(deepest, depth(k, seen))
			}
			return deepest
		}
		f, ok := frames[name]
		require.True(t, ok, "call to %s, outside the core", name)
		require.True(t, f.static, "%s has a dynamic frame", name)
		require.False(t, seen[name], "%s is recursive", name)
		seen[name] = true
		defer delete(seen, name)
		deepest := 0
		for _, callee := range calls[name] {
			if callee != "nvx_init" {
				deepest = max(deepest, depth(callee, seen))
			}
		}
		return f.bytes + deepest
	}
	for _, e := range []struct {
		fn     string
		budget int
	}{
		{"nvx_xor_mask", ccall.StackBytes},
		{"nvx_utf8_validate", ccall.UTF8StackBytes},
		{"nvx_xor_mask_utf8_validate", ccall.UTF8StackBytes},
	} {
		d := depth(e.fn, map[string]bool{})
		t.Logf("%s: at most %d bytes of stack (budget %d)", e.fn, d, e.budget)
		require.LessOrEqual(t, d, e.budget, e.fn)
	}
}

// callFrame is one function's frame in a -fcallgraph-info=su report.
type callFrame struct {
	bytes  int
	static bool
}

// parseCallGraph reads the nodes (name, frame size) and edges (caller,
// callee) of a -fcallgraph-info=su report (VCG text). Functions local to
// the file are named "file:name"; they are named name here, as calls to
// them are.
func parseCallGraph(t *testing.T, ci string) (map[string]callFrame, map[string][]string) {
	frames := map[string]callFrame{}
	calls := map[string][]string{}
	short := func(s string) string { return s[strings.LastIndex(s, ":")+1:] }
	field := func(line, key string) string {
		i := strings.Index(line, key+": \"")
		if i < 0 {
			return ""
		}
		rest := line[i+len(key)+3:]
		return rest[:strings.IndexByte(rest, '"')]
	}
	for _, line := range strings.Split(ci, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "node:"):
			label := field(line, "label")
			parts := strings.Split(label, `\n`)
			if len(parts) < 3 { // a function of another file: no frame
				continue
			}
			var n int
			var kind string
			_, err := fmt.Sscanf(parts[2], "%d bytes (%s", &n, &kind)
			require.NoError(t, err, "node %q", line)
			frames[short(field(line, "title"))] = callFrame{bytes: n, static: kind == "static)"}
		case strings.HasPrefix(line, "edge:"):
			from, to := short(field(line, "sourcename")), short(field(line, "targetname"))
			calls[from] = append(calls[from], to)
		}
	}
	require.NotEmpty(t, frames)
	return frames, calls
}

// testCC returns the C compiler the stack tests use ($CC, else gcc), and
// skips the test when there is none.
func testCC(t *testing.T) string {
	t.Helper()
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler %q", cc)
	}
	return cc
}
