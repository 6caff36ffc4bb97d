package interop

import "github.com/autobahn-go/autobahn/ws"

// pmd is shorthand for the permessage-deflate state Autobahn reports.
func pmd(serverNCT, clientNCT bool, serverBits, clientBits int) *pmdParams {
	return &pmdParams{Extension: "permessage-deflate", ServerNoContextTakeover: serverNCT,
		ClientNoContextTakeover: clientNCT, ServerMaxWindowBits: serverBits, ClientMaxWindowBits: clientBits}
}

func deflate(d ws.DeflateOptions) func(o *ws.Options) {
	return func(o *ws.Options) { o.PerMessageDeflate = &d }
}

// clientVariants are the configurations of TestGoClientAgainstPython. With
// deflate, the expected state is the Python server's view: our default
// offer is "permessage-deflate; client_max_window_bits".
func clientVariants() []clientVariant {
	return []clientVariant{
		{name: "plain"},
		{name: "autofragment", opts: func(o *ws.Options) { o.AutoFragmentSize = 1000 }, fragment: 1000},
		{name: "deflate", serverArgs: []string{"--deflate"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(false, false, 15, 15)},
		{name: "deflate/python-no-context-takeover", serverArgs: []string{"--deflate", "--no-context-takeover"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(true, true, 15, 15)},
		{name: "deflate/go-no-context-takeover", serverArgs: []string{"--deflate"},
			opts: deflate(ws.DeflateOptions{NoContextTakeover: true}), deflate: pmd(true, false, 15, 15)},
		{name: "deflate/go-window-9", serverArgs: []string{"--deflate"},
			opts: deflate(ws.DeflateOptions{MaxWindowBits: 9}), deflate: pmd(false, false, 9, 15)},
		{name: "deflate/python-window-12", serverArgs: []string{"--deflate", "--max-window-bits", "12"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(false, false, 12, 12)},
		{name: "deflate/python-window-9", serverArgs: []string{"--deflate", "--max-window-bits", "9"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(false, false, 9, 9)},
		{name: "deflate/both-no-context-takeover-window-9", serverArgs: []string{"--deflate", "--no-context-takeover", "--max-window-bits", "9"},
			opts: deflate(ws.DeflateOptions{NoContextTakeover: true, MaxWindowBits: 9}), deflate: pmd(true, true, 9, 9)},
		{name: "deflate/autofragment", serverArgs: []string{"--deflate"},
			opts: func(o *ws.Options) { deflate(ws.DeflateOptions{})(o); o.AutoFragmentSize = 1000 }, deflate: pmd(false, false, 15, 15)},
	}
}

// serverVariants are the configurations of TestPythonClientAgainstGoServer.
// With deflate, the expected state is the Python client's view: its offer
// is "permessage-deflate; client_no_context_takeover;
// client_max_window_bits" (plus what the flags request), and our server
// answers the client_no_context_takeover hint by requiring it.
func serverVariants() []serverVariant {
	return []serverVariant{
		{name: "plain"},
		{name: "autofragment", opts: func(o *ws.Options) { o.AutoFragmentSize = 4096 }},
		{name: "deflate", clientArgs: []string{"--deflate"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(false, true, 15, 15)},
		{name: "deflate/python-no-context-takeover", clientArgs: []string{"--deflate", "--no-context-takeover"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(true, true, 15, 15)},
		{name: "deflate/go-no-context-takeover", clientArgs: []string{"--deflate"},
			opts: deflate(ws.DeflateOptions{NoContextTakeover: true}), deflate: pmd(true, true, 15, 15)},
		{name: "deflate/python-window-9", clientArgs: []string{"--deflate", "--max-window-bits", "9"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(false, true, 9, 9)},
		{name: "deflate/python-window-12", clientArgs: []string{"--deflate", "--max-window-bits", "12"},
			opts: deflate(ws.DeflateOptions{}), deflate: pmd(false, true, 12, 12)},
		{name: "deflate/go-window-12", clientArgs: []string{"--deflate"},
			opts: deflate(ws.DeflateOptions{MaxWindowBits: 12}), deflate: pmd(false, true, 12, 12)},
		{name: "deflate/go-window-9-autofragment", clientArgs: []string{"--deflate"},
			opts:    func(o *ws.Options) { deflate(ws.DeflateOptions{MaxWindowBits: 9})(o); o.AutoFragmentSize = 4096 },
			deflate: pmd(false, true, 9, 9)},
	}
}
