package integration

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// LogLevelEnv is the environment variable that sets the log level (debug, info, warn,
// error; default info).
const LogLevelEnv = "O365AUDITLOG_LOG_LEVEL"

// ParseLevel turns the value of LogLevelEnv into a level; anything unknown is info, since
// a typo in a diagnostics switch must not stop the plugin.
func ParseLevel(s string) slog.Level {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// NewLogger returns a JSON logger writing to w whose every message and attribute goes
// through r first.
func NewLogger(w io.Writer, level slog.Leveler, r *Redactor) *slog.Logger {
	h := slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	return slog.New(NewRedactingHandler(h, r))
}

// RedactingHandler is a slog.Handler that redacts secrets from the message and from
// every attribute before the wrapped handler sees them. Attributes bound with WithAttrs
// are redacted at each record rather than once, so secrets registered later (each
// execution brings its params) are caught as well.
type RedactingHandler struct {
	inner slog.Handler
	r     *Redactor
	ops   []handlerOp
}

type handlerOp struct {
	group string
	attrs []slog.Attr
}

// NewRedactingHandler wraps h.
func NewRedactingHandler(h slog.Handler, r *Redactor) *RedactingHandler {
	return &RedactingHandler{inner: h, r: r}
}

// Enabled implements slog.Handler.
func (h *RedactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *RedactingHandler) Handle(ctx context.Context, rec slog.Record) error {
	inner := h.inner
	for _, op := range h.ops {
		if op.group != "" {
			inner = inner.WithGroup(op.group)
		} else {
			inner = inner.WithAttrs(h.redactAttrs(op.attrs))
		}
	}
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redactAttr(a))
		return true
	})
	return inner.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (h *RedactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(handlerOp{attrs: attrs})
}

// WithGroup implements slog.Handler.
func (h *RedactingHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(handlerOp{group: name})
}

func (h *RedactingHandler) with(op handlerOp) *RedactingHandler {
	return &RedactingHandler{inner: h.inner, r: h.r, ops: append(h.ops[:len(h.ops):len(h.ops)], op)}
}

func (h *RedactingHandler) redactAttrs(attrs []slog.Attr) []slog.Attr {
	out := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		out[i] = h.redactAttr(a)
	}
	return out
}

func (h *RedactingHandler) redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(h.redactAttrs(v.Group())...)}
	case slog.KindAny:
		// Errors and arbitrary values are rendered as text when (and only when) the text
		// holds a secret; otherwise the wrapped handler keeps its own encoding.
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.r.Redact(err.Error()))
		}
		s := fmt.Sprintf("%+v", v.Any())
		if red := h.r.Redact(s); red != s {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
