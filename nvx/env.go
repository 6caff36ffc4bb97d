package nvx

import (
	"fmt"
	"os"
	"strings"
)

// EnvVar is the environment variable that switches the native core on or
// off at start, as in Autobahn|Python.
const EnvVar = "AUTOBAHN_USE_NVX"

// useMode is what AUTOBAHN_USE_NVX asks for.
type useMode int

const (
	useAuto useMode = iota // unset or unrecognised: native where built in
	useOff                 // 0, no, false
	useOn                  // 1, yes, true: native, or fail at start
)

// parseUseNVX maps the variable's value to a mode the way Autobahn does:
// trimmed, lower-cased, "0"/"no"/"false" off, "1"/"yes"/"true" on, anything
// else (or unset) automatic.
func parseUseNVX(val string, set bool) useMode {
	if !set {
		return useAuto
	}
	switch strings.ToLower(strings.TrimSpace(val)) {
	case "0", "no", "false":
		return useOff
	case "1", "yes", "true":
		return useOn
	}
	return useAuto
}

// decideUseNVX turns a mode into the run-time switch. Asking for the native
// core in a build without it is an error: the user wants native speed and
// must learn at start that they will not get it.
func decideUseNVX(m useMode, hasNVX bool) (bool, error) {
	switch m {
	case useOff:
		return false, nil
	case useOn:
		if !hasNVX {
			return false, fmt.Errorf("nvx: %s asks for the native NVX core, but this build has none (built without cgo); rebuild with CGO_ENABLED=1 or unset %s", EnvVar, EnvVar)
		}
		return true, nil
	}
	return hasNVX, nil
}

// useNVX is decided once, before any other code of the program can call
// into the package.
var useNVX = mustDecide()

func mustDecide() bool {
	val, set := os.LookupEnv(EnvVar)
	use, err := decideUseNVX(parseUseNVX(val, set), HasNVX)
	if err != nil {
		// The one deliberate panic: a misconfigured program fails at start,
		// never later and never on network input.
		panic(err)
	}
	return use
}

// UsesNVX reports whether the native core is used at run time: HasNVX and
// not switched off with AUTOBAHN_USE_NVX.
func UsesNVX() bool { return useNVX }

// Kernel names the kernel in use: "avx512", "avx2", "sse2", "neon" or
// "scalar" for the C core, "purego" when the native core is not used.
func Kernel() string {
	if !useNVX {
		return "purego"
	}
	return kernelName()
}

// MaskKernel names the kernel that XorMask runs above MaskThreshold:
// Kernel(), except that with "avx512" it is "avx2" on CPUs where AVX-512's
// 64-byte stores measured no faster (all but the Intel cores the C core
// lists in csrc/dispatch.c, such as Sapphire and Emerald Rapids), and
// "purego" when the native core is not used.
func MaskKernel() string {
	if !useNVX {
		return "purego"
	}
	return maskKernelName()
}

// MaskThresholdInUse is the smallest buffer XorMask sends to the native
// core in this process. It is measured at start, because where the call
// into C plus the C kernel overtakes the pure-Go loop differs from CPU to
// CPU: under a millisecond, best of 31 interleaved rounds at 512 B-16 KiB
// (on amd64 outside Windows the call skips the cgo transition, see
// package nvx's documentation, and the cut lies near 512 B-1 KiB), and C
// must be at least 10% faster from there on. It is MaskThreshold when the
// measurement is inconclusive, and 0 when the native core is not used.
func MaskThresholdInUse() int {
	if !useNVX {
		return 0
	}
	return maskThreshold
}
