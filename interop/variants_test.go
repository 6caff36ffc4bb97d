package interop

import "github.com/autobahn-go/autobahn/ws"

// clientVariants are the configurations of TestGoClientAgainstPython.
func clientVariants() []clientVariant {
	return []clientVariant{
		{name: "plain"},
		{name: "autofragment", opts: func(o *ws.Options) { o.AutoFragmentSize = 1000 }, fragment: 1000},
	}
}

// serverVariants are the configurations of TestPythonClientAgainstGoServer.
func serverVariants() []serverVariant {
	return []serverVariant{
		{name: "plain"},
		{name: "autofragment", opts: func(o *ws.Options) { o.AutoFragmentSize = 4096 }},
	}
}
