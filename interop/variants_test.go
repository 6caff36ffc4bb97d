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

// pmce is the state Autobahn reports for permessage-snappy or
// permessage-brotli.
func pmce(name string, serverNCT, clientNCT bool) *pmdParams {
	return &pmdParams{Extension: "permessage-" + name, ServerNoContextTakeover: serverNCT, ClientNoContextTakeover: clientNCT}
}

func extensions(exts ...ws.Extension) func(o *ws.Options) {
	return func(o *ws.Options) { o.Extensions = exts }
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
		// permessage-snappy: our offer is "permessage-snappy;
		// client_no_context_takeover" (plus server_no_context_takeover
		// with NoContextTakeover).
		{name: "snappy", serverArgs: []string{"--compress", "snappy"},
			opts: extensions(ws.SnappyExtension(nil)), deflate: pmce("snappy", false, false)},
		{name: "snappy/python-no-context-takeover", serverArgs: []string{"--compress", "snappy", "--no-context-takeover"},
			opts: extensions(ws.SnappyExtension(nil)), deflate: pmce("snappy", true, true)},
		{name: "snappy/go-no-context-takeover", serverArgs: []string{"--compress", "snappy"},
			opts: extensions(ws.SnappyExtension(&ws.SnappyOptions{NoContextTakeover: true})), deflate: pmce("snappy", true, false)},
		{name: "snappy/autofragment-preferred-over-brotli", serverArgs: []string{"--compress", "snappy"},
			opts: func(o *ws.Options) {
				extensions(ws.BrotliExtension(nil), ws.SnappyExtension(nil))(o)
				o.AutoFragmentSize = 1000
			}, deflate: pmce("snappy", false, false)},
		// permessage-brotli: we always offer both no_context_takeover
		// parameters (a finished Brotli stream cannot be continued).
		{name: "brotli", serverArgs: []string{"--compress", "brotli"},
			opts: extensions(ws.BrotliExtension(nil)), deflate: pmce("brotli", true, false)},
		{name: "brotli/python-no-context-takeover", serverArgs: []string{"--compress", "brotli", "--no-context-takeover"},
			opts: extensions(ws.BrotliExtension(nil)), deflate: pmce("brotli", true, true)},
		{name: "brotli/level-11-window-22-autofragment", serverArgs: []string{"--compress", "brotli"},
			opts: func(o *ws.Options) {
				extensions(ws.BrotliExtension(&ws.BrotliOptions{Level: 11, WindowBits: 22}))(o)
				o.AutoFragmentSize = 4096
			}, deflate: pmce("brotli", true, false)},
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
		// permessage-snappy: Python offers "permessage-snappy;
		// client_no_context_takeover" (plus server_no_context_takeover
		// with --no-context-takeover).
		{name: "snappy", clientArgs: []string{"--compress", "snappy"},
			opts: extensions(ws.SnappyExtension(nil)), deflate: pmce("snappy", false, false)},
		{name: "snappy/python-no-context-takeover", clientArgs: []string{"--compress", "snappy", "--no-context-takeover"},
			opts: extensions(ws.SnappyExtension(nil)), deflate: pmce("snappy", true, true)},
		{name: "snappy/go-no-context-takeover-autofragment", clientArgs: []string{"--compress", "snappy"},
			opts: func(o *ws.Options) {
				extensions(ws.SnappyExtension(&ws.SnappyOptions{NoContextTakeover: true}))(o)
				o.AutoFragmentSize = 4096
			}, deflate: pmce("snappy", true, true)},
		{name: "snappy/beside-deflate-and-brotli", clientArgs: []string{"--compress", "snappy"},
			opts: func(o *ws.Options) {
				deflate(ws.DeflateOptions{})(o)
				extensions(ws.BrotliExtension(nil), ws.SnappyExtension(nil))(o)
			}, deflate: pmce("snappy", false, false)},
		// permessage-brotli: our server answers with both
		// no_context_takeover parameters.
		{name: "brotli", clientArgs: []string{"--compress", "brotli"},
			opts: extensions(ws.BrotliExtension(nil)), deflate: pmce("brotli", true, true)},
		{name: "brotli/python-no-context-takeover", clientArgs: []string{"--compress", "brotli", "--no-context-takeover"},
			opts: extensions(ws.BrotliExtension(nil)), deflate: pmce("brotli", true, true)},
		{name: "brotli/level-1-autofragment", clientArgs: []string{"--compress", "brotli"},
			opts: func(o *ws.Options) {
				extensions(ws.BrotliExtension(&ws.BrotliOptions{Level: 1}))(o)
				o.AutoFragmentSize = 4096
			}, deflate: pmce("brotli", true, true)},
	}
}
