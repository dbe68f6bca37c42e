package msclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// checker is a tiny stand-in for testify (whose yaml dependency is not in go.sum):
// assert reports and goes on, require stops the test.
type checker struct{ fatal bool }

var (
	assert  = checker{}
	require = checker{fatal: true}
)

func (c checker) fail(t testing.TB, msg string, extra []any) {
	t.Helper()
	if len(extra) > 0 {
		msg += ": " + fmt.Sprint(extra...)
	}
	if c.fatal {
		t.Fatal(msg)
	}
	t.Error(msg)
}

func (c checker) Equal(t testing.TB, want, got any, extra ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		c.fail(t, fmt.Sprintf("not equal:\nwant %#v\n got %#v", want, got), extra)
	}
}

func (c checker) NoError(t testing.TB, err error, extra ...any) {
	t.Helper()
	if err != nil {
		c.fail(t, "unexpected error: "+err.Error(), extra)
	}
}

func (c checker) Error(t testing.TB, err error, extra ...any) {
	t.Helper()
	if err == nil {
		c.fail(t, "expected an error", extra)
	}
}

func (c checker) ErrorContains(t testing.TB, err error, sub string, extra ...any) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		c.fail(t, fmt.Sprintf("error %v does not contain %q", err, sub), extra)
	}
}

func (c checker) ErrorIs(t testing.TB, err, target error, extra ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		c.fail(t, fmt.Sprintf("error %v is not %v", err, target), extra)
	}
}

func (c checker) ErrorAs(t testing.TB, err error, target any, extra ...any) {
	t.Helper()
	if err == nil || !errors.As(err, target) {
		c.fail(t, fmt.Sprintf("error %v is not a %T", err, target), extra)
	}
}

func (c checker) Len(t testing.TB, v any, n int, extra ...any) {
	t.Helper()
	if l := reflect.ValueOf(v).Len(); l != n {
		c.fail(t, fmt.Sprintf("length %d, want %d: %v", l, n, v), extra)
	}
}

func (c checker) Empty(t testing.TB, v any, extra ...any) {
	t.Helper()
	if v != nil && reflect.ValueOf(v).Len() != 0 {
		c.fail(t, fmt.Sprintf("not empty: %v", v), extra)
	}
}

func (c checker) Contains(t testing.TB, s, sub string, extra ...any) {
	t.Helper()
	if !strings.Contains(s, sub) {
		c.fail(t, fmt.Sprintf("%q does not contain %q", s, sub), extra)
	}
}

func (c checker) NotContains(t testing.TB, s, sub string, extra ...any) {
	t.Helper()
	if strings.Contains(s, sub) {
		c.fail(t, fmt.Sprintf("%q contains %q", s, sub), extra)
	}
}

func (c checker) True(t testing.TB, ok bool, extra ...any) {
	t.Helper()
	if !ok {
		c.fail(t, "expected true", extra)
	}
}

func (c checker) JSONEq(t testing.TB, want, got string, extra ...any) {
	t.Helper()
	var w, g any
	if json.Unmarshal([]byte(want), &w) != nil || json.Unmarshal([]byte(got), &g) != nil || !reflect.DeepEqual(w, g) {
		c.fail(t, fmt.Sprintf("JSON differs:\nwant %s\n got %s", want, got), extra)
	}
}
