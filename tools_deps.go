//go:build tools

// Package tools pins the module's dependencies before the code that uses
// them lands, so parallel work shares one go.mod.
package tools

import (
	_ "github.com/klauspost/compress/flate"
	_ "github.com/klauspost/cpuid/v2"
	_ "github.com/stretchr/testify/require"
)
