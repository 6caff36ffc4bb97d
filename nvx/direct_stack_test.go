//go:build cgo && amd64 && !windows

package nvx

import (
	"bufio"
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
	cc := os.Getenv("CC")
	if cc == "" {
		cc = "gcc"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skipf("no C compiler %q", cc)
	}
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
