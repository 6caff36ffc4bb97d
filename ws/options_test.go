package ws

import (
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOptionsLiteralGetsDefaults checks that every field with a non-zero
// default is filled in for a literal, by reflection, so that a field added
// later without a fillZero line fails here.
func TestOptionsLiteralGetsDefaults(t *testing.T) {
	got := (&Options{}).clone()
	want := DefaultOptions()
	gv, wv := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := 0; i < wv.NumField(); i++ {
		name := wv.Type().Field(i).Name
		if !wv.Type().Field(i).IsExported() {
			continue
		}
		if wv.Field(i).Kind() == reflect.Func {
			// funcs cannot be compared: every func field defaults to nil
			assert.True(t, wv.Field(i).IsNil(), "field %s: a func field must default to nil", name)
			assert.True(t, gv.Field(i).IsNil(), "field %s of a zero Options literal", name)
			continue
		}
		assert.Equal(t, wv.Field(i).Interface(), gv.Field(i).Interface(), "field %s of a zero Options literal", name)
	}
	assert.Equal(t, want, (*Options)(nil).clone())
}

func TestOptionsLiteralOnlyTightens(t *testing.T) {
	tests := []struct {
		name  string
		in    *Options
		check func(t *testing.T, o *Options)
	}{
		{"partial literal keeps the checks on", &Options{MaxMessagePayloadSize: 1 << 20}, func(t *testing.T, o *Options) {
			assert.Equal(t, int64(1<<20), o.MaxMessagePayloadSize)
			assert.True(t, o.UTF8ValidateIncoming)
			assert.True(t, o.RequireMaskedClientFrames)
			assert.True(t, o.ApplyMask)
			assert.True(t, o.WebStatus)
			assert.Equal(t, []string{"*"}, o.AllowedOrigins)
			assert.Equal(t, 5*time.Second, o.OpenHandshakeTimeout)
		}},
		{"literal tightens origins", &Options{AllowedOrigins: []string{"https://a.example"}}, func(t *testing.T, o *Options) {
			assert.Equal(t, []string{"https://a.example"}, o.AllowedOrigins)
		}},
		{"literal sets the off-by-default bools", &Options{EchoCloseCodeReason: true, MaskServerFrames: true}, func(t *testing.T, o *Options) {
			assert.True(t, o.EchoCloseCodeReason)
			assert.True(t, o.MaskServerFrames)
		}},
		{"from DefaultOptions a check can be turned off", func() *Options {
			o := DefaultOptions()
			o.UTF8ValidateIncoming = false
			o.MaxMessagePayloadSize = 0
			o.AllowedOrigins = nil
			return o
		}(), func(t *testing.T, o *Options) {
			assert.False(t, o.UTF8ValidateIncoming)
			assert.Zero(t, o.MaxMessagePayloadSize)
			assert.Empty(t, o.AllowedOrigins)
		}},
		{"a copy of DefaultOptions keeps its meaning", func() *Options {
			c := *DefaultOptions()
			c.WebStatus = false
			return &c
		}(), func(t *testing.T, o *Options) {
			assert.False(t, o.WebStatus)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, tt.in.clone()) })
	}
}

func TestConnOptionsRoundTrip(t *testing.T) {
	o := DefaultOptions()
	o.UTF8ValidateIncoming = false
	c := newConn(connConfig{netConn: nopConn{}, opts: o.clone()})
	got := c.Options()
	assert.False(t, got.UTF8ValidateIncoming, "Conn.Options() must not be refilled")
	got.WebStatus = false
	assert.False(t, got.clone().WebStatus)
}

// nopConn is a net.Conn that does nothing.
type nopConn struct{ net.Conn }

func TestOptionsValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(o *Options)
		wantErr string
	}{
		{"defaults", func(*Options) {}, ""},
		{"ping size too small", func(o *Options) { o.AutoPingSize = 11 }, "AutoPingSize 11"},
		{"ping size too large", func(o *Options) { o.AutoPingSize = 126 }, "AutoPingSize 126"},
		{"negative outgoing limit", func(o *Options) { o.MaxOutgoingMessagePayloadSize = -1 }, "MaxOutgoingMessagePayloadSize"},
		{"bad origin", func(o *Options) { o.AllowedOrigins = []string{"example.com"} }, `origin pattern "example.com"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			tt.mod(o)
			err := o.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestServerRejectsBadOptions(t *testing.T) {
	o := DefaultOptions()
	o.AllowedOrigins = []string{"*.example.com"}
	s := NewServer(func() Handler { return &BaseHandler{} }, o)
	require.Error(t, s.Err())
	assert.Contains(t, s.Err().Error(), "*.example.com")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	err = s.Serve(ln)
	require.Error(t, err)
	assert.ErrorIs(t, err, s.Err())
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "Serve must close the listener")

	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)

	rec = httptest.NewRecorder()
	_, err = Accept(rec, httptest.NewRequest(http.MethodGet, "/", nil), o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "*.example.com")
	assert.Equal(t, http.StatusInternalServerError, rec.Code)

	assert.NoError(t, NewServer(func() Handler { return &BaseHandler{} }, nil).Err())
}
