package ws

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// proxyAddr returns the host:port to dial for an http:// proxy URL.
func proxyAddr(p *url.URL) (string, error) {
	if p.Scheme != "http" && p.Scheme != "" {
		return "", fmt.Errorf("ws: proxy %q: only http:// proxies are supported", p.Redacted())
	}
	if p.Hostname() == "" {
		return "", fmt.Errorf("ws: proxy %q: no host", p.Redacted())
	}
	port := p.Port()
	if port == "" {
		port = "80"
	}
	return net.JoinHostPort(p.Hostname(), port), nil
}

// proxyConnect asks the HTTP proxy at the other end of c to open a tunnel
// to target (host:port) with CONNECT, authenticating with basic auth when
// the proxy URL has user info. Any 2xx answer opens the tunnel; anything
// else is an error carrying the proxy's status. c's deadline bounds it.
func proxyConnect(c net.Conn, p *url.URL, target, userAgent string) error {
	var b strings.Builder
	b.WriteString("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n")
	if p.User != nil {
		pw, _ := p.User.Password()
		cred := base64.StdEncoding.EncodeToString([]byte(p.User.Username() + ":" + pw))
		b.WriteString("Proxy-Authorization: Basic " + cred + "\r\n")
	}
	if userAgent != "" && validHeaderValue(userAgent) {
		b.WriteString("User-Agent: " + userAgent + "\r\n")
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(c, b.String()); err != nil {
		return fmt.Errorf("ws: proxy CONNECT %s: %w", target, err)
	}
	// Read the answer byte-exact: a reader larger than the answer could
	// swallow the first bytes the tunnelled server sends.
	br := bufio.NewReaderSize(&oneByteReader{r: io.LimitReader(c, 64<<10)}, 16)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		return fmt.Errorf("ws: proxy CONNECT %s: reading answer: %w", target, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("ws: proxy CONNECT %s refused: %s", target, resp.Status)
	}
	return nil
}

// oneByteReader reads at most one byte per call so a bufio.Reader over it
// never reads past what it is asked for.
type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}
