package nvx

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseUseNVX(t *testing.T) {
	cases := []struct {
		val  string
		set  bool
		want useMode
	}{
		{"", false, useAuto},
		{"", true, useAuto},
		{"0", true, useOff},
		{"no", true, useOff},
		{" False\n", true, useOff},
		{"NO", true, useOff},
		{"1", true, useOn},
		{"yes", true, useOn},
		{"  TRUE ", true, useOn},
		{"2", true, useAuto},
		{"off", true, useAuto},
		{"y", true, useAuto},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, parseUseNVX(c.val, c.set), "%q set=%v", c.val, c.set)
	}
}

func TestDecideUseNVX(t *testing.T) {
	cases := []struct {
		mode    useMode
		has     bool
		want    bool
		wantErr bool
	}{
		{useAuto, true, true, false},
		{useAuto, false, false, false},
		{useOff, true, false, false},
		{useOff, false, false, false},
		{useOn, true, true, false},
		{useOn, false, false, true},
	}
	for _, c := range cases {
		got, err := decideUseNVX(c.mode, c.has)
		if c.wantErr {
			require.Error(t, err)
			assert.Contains(t, err.Error(), EnvVar)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, c.want, got, "mode=%v has=%v", c.mode, c.has)
	}
}

// TestHelperReportNVX prints what the package decided; it does work only
// when run as a child by TestEnvAtStart.
func TestHelperReportNVX(t *testing.T) {
	if os.Getenv("NVX_TEST_CHILD") != "1" {
		t.Skip("helper for TestEnvAtStart")
	}
	os.Stdout.WriteString("uses=" + map[bool]string{true: "true", false: "false"}[UsesNVX()] + " kernel=" + Kernel() +
		fmt.Sprintf(" thresholds=%+v\n", ThresholdsInUse()))
}

// The variable is honoured in a fresh process, and forcing NVX on in a
// build without it fails at start naming the variable.
func TestEnvAtStart(t *testing.T) {
	run := func(val string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReportNVX$", "-test.count=1")
		cmd.Env = append(os.Environ(), "NVX_TEST_CHILD=1", EnvVar+"="+val)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run(" No ")
	require.NoError(t, err, out)
	assert.Contains(t, out, "uses=false kernel=purego")
	assert.Contains(t, out, "thresholds={Mask:0 UTF8:0 UTF8ASCII:0 Fused:0 FusedASCII:0 UTF8Lead:0}", "nothing measured, nothing sent to C")

	out, err = run("yes")
	if HasNVX {
		require.NoError(t, err, out)
		assert.Contains(t, out, "uses=true kernel=")
		assert.NotContains(t, out, "kernel=purego")
	} else {
		require.Error(t, err)
		assert.Contains(t, out, EnvVar)
	}

	out, err = run("auto")
	require.NoError(t, err, out)
	assert.Contains(t, out, map[bool]string{true: "uses=true", false: "uses=false"}[HasNVX])
}
