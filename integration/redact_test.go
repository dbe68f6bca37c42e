package integration

import (
	"bytes"
	"errors"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRedact(t *testing.T) {
	r := NewRedactor()
	r.Add("ab", "pa\"ss", "secret", "secret-longer")
	tests := []struct{ name, in, want string }{
		{"short values are not secrets", "ab cd", "ab cd"},
		{"plain", "x secret y", "x [REDACTED] y"},
		{"longest first", "secret-longer", "[REDACTED]"},
		{"JSON-escaped form", `{"p":"pa\"ss"}`, `{"p":"[REDACTED]"}`},
		{"bearer", "Authorization: bearer abc.DEF-123_~+/==", "Authorization: bearer [REDACTED]"},
		{"bare JWT", "token eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.sig-nature_ here", "token [REDACTED] here"},
		{"nothing to do", "plain text", "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, r.Redact(tt.in)) })
	}
}

func TestAddParamSecrets(t *testing.T) {
	tests := []struct {
		name   string
		params map[string]any
		in     string
	}{
		{"password", map[string]any{"password": "pfx-pass"}, "pfx-pass"},
		{"certificate string", map[string]any{"certificate": "TUlJQmFzZTY0"}, "TUlJQmFzZTY0"},
		{"credentials identifier", map[string]any{"certificate": map[string]any{"identifier": "UEZYYnl0ZXM="}}, "UEZYYnl0ZXM="},
		{"credentials password", map[string]any{"certificate": map[string]any{"password": "cred-pass"}}, "cred-pass"},
		{"nested credentials", map[string]any{"certificate": map[string]any{"credentials": map[string]any{"password": "deep-pass"}}}, "deep-pass"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedactor()
			r.AddParamSecrets(tt.params)
			assert.Equal(t, "<[REDACTED]>", r.Redact("<"+tt.in+">"))
		})
	}
}

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	r := NewRedactor()
	log := NewLogger(&buf, slog.LevelDebug, r)
	// Bound before the secret is known: still redacted when the record is written.
	bound := log.With("param", sentinel).WithGroup("g").With("nested", slog.GroupValue(slog.String("k", sentinel)))
	r.Add(sentinel)
	bound.Info("msg "+sentinel, "err", errors.New("wrapped: "+sentinel), "any", map[string]string{"p": sentinel}, "n", 3)
	out := buf.String()
	assert.NotContains(t, out, sentinel)
	assert.Contains(t, out, `"msg [REDACTED]"`)
	assert.Contains(t, out, `"param":"[REDACTED]"`)
	assert.Contains(t, out, `"g":{"nested":{"k":"[REDACTED]"},"err":"wrapped: [REDACTED]"`)
	assert.Contains(t, out, `"n":3`)
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"debug": slog.LevelDebug, " DEBUG ": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError, "": slog.LevelInfo, "chatty": slog.LevelInfo} {
		assert.Equal(t, want, ParseLevel(in))
	}
}
